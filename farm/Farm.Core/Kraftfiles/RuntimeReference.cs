using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// A runtime: a pre-built kernel in an OCI image (<see cref="Reference"/> fully qualified, e.g.
/// <c>unikraft.org/base:latest</c>) or a local kernel file (<c>kernel://path</c>).
/// </summary>
public sealed record RuntimeReference(string Written, string Reference, bool IsKernelFile, KConfig KConfig, Mark At)
{
    public const string DefaultRegistry = "unikraft.org";
    public const string DefaultTag = "latest";

    /// <summary>The runtime kraft assumes when a Kraftfile builds nothing from source and names no runtime.</summary>
    public static RuntimeReference Default { get; } = new("unikraft.org/base:latest", "unikraft.org/base:latest", IsKernelFile: false, KConfig.Empty, Mark.FileStart);

    public override string ToString() => Reference;
}

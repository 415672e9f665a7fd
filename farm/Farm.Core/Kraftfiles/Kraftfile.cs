using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// A Kraftfile as kraft reads it (spec 0.4–0.6). Only a file without errors becomes a <see cref="Kraftfile"/>;
/// every field keeps where it was written so that later stages can still point at the line.
/// </summary>
public sealed record Kraftfile
{
    /// <summary>The file as the user named it (used in diagnostics).</summary>
    public required string Path { get; init; }

    /// <summary>The directory the file's relative paths (rootfs, local sources) are resolved against.</summary>
    public required string Directory { get; init; }

    /// <summary>The spec version without a leading <c>v</c>, e.g. <c>0.6</c>.</summary>
    public required string Spec { get; init; }

    /// <summary>The project name, normalised as kraft does.</summary>
    public required string Name { get; init; }

    public required string OutDir { get; init; }

    public required KraftfileKind Kind { get; init; }

    public IReadOnlyList<string> Cmd { get; init; } = [];

    /// <summary>Environment in file order; compiled in as <c>CONFIG_LIBPOSIX_ENVIRON_ENVP&lt;N&gt;</c>.</summary>
    public IReadOnlyList<EnvVariable> Env { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    public string? Rootfs { get; init; }

    /// <summary>Where <see cref="Rootfs"/> is written.</summary>
    public Mark RootfsAt { get; init; } = Mark.FileStart;

    public IReadOnlyList<Volume> Volumes { get; init; } = [];

    public Component? Unikraft { get; init; }

    public Component? Template { get; init; }

    /// <summary>The runtime image: written in the file, or the default for runtime-only files.</summary>
    public RuntimeReference? Runtime { get; init; }

    public IReadOnlyList<Library> Libraries { get; init; } = [];

    public IReadOnlyList<Target> Targets { get; init; } = [];

    /// <summary><c>x-*</c> extension keys other than our own <c>x-farm</c>, kept as read.</summary>
    public IReadOnlyDictionary<string, YamlNode> Extensions { get; init; } = new Dictionary<string, YamlNode>();

    /// <summary>The farm's own per-app settings (<c>x-farm</c>); empty when absent.</summary>
    public FarmSettings Farm { get; init; } = FarmSettings.Default;
}

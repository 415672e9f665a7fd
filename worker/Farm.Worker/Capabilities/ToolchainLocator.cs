using Farm.Core.Kraftfiles;
using Farm.Worker.Builders;
using Farm.Core.Processes;

namespace Farm.Worker.Capabilities;

/// <summary>Finds the compiler for each architecture: the host's gcc, or a Debian cross gcc by its triplet prefix.</summary>
internal static class ToolchainLocator
{
    private static readonly Dictionary<string, (string Prefix, string Package)> Cross = new(StringComparer.Ordinal)
    {
        [Architectures.X8664] = ("x86_64-linux-gnu-", "gcc-x86-64-linux-gnu"),
        [Architectures.Arm64] = ("aarch64-linux-gnu-", "gcc-aarch64-linux-gnu"),
    };

    public static IReadOnlyList<string> Supported => [.. Cross.Keys];

    /// <summary>The toolchain for <paramref name="architecture"/>, or the reason there is none and how to get it.</summary>
    public static (Toolchain? Toolchain, string? Problem) Find(string architecture, string hostArchitecture)
    {
        if (architecture == hostArchitecture && ExecutableLocator.Find("gcc") is { } gcc)
        {
            return (new Toolchain(architecture, string.Empty, gcc), null);
        }

        if (!Cross.TryGetValue(architecture, out var cross))
        {
            return (null, $"no toolchain known for {architecture}");
        }

        return ExecutableLocator.Find(cross.Prefix + "gcc") is { } path
            ? (new Toolchain(architecture, cross.Prefix, path), null)
            : (null, architecture == hostArchitecture
                ? "gcc is not installed"
                : $"{cross.Prefix}gcc is not on PATH (Debian: {cross.Package})");
    }
}

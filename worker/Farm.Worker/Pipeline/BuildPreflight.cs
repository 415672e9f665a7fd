using Farm.Worker.Builders;
using Farm.Worker.Capabilities;

namespace Farm.Worker.Pipeline;

/// <summary>Whether this host can build for an architecture at all, before any source is fetched: its tools and its compiler.</summary>
internal static class BuildPreflight
{
    /// <summary>The toolchain for <paramref name="architecture"/>, or why there is none (missing make tools first).</summary>
    public static (Toolchain? Toolchain, string? WhyNot) Check(HostCapabilities capabilities, string architecture)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        if (capabilities.MissingBuildTools.Count > 0)
        {
            return (null, BuildTools.Describe(capabilities.MissingBuildTools));
        }

        return capabilities.Toolchains.TryGetValue(architecture, out var toolchain)
            ? (toolchain, null)
            : (null, $"no compiler for {architecture}: {capabilities.MissingToolchains.GetValueOrDefault(architecture, "unknown architecture")}");
    }
}

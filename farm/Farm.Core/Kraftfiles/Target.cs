using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>One build target; <see cref="Platform"/> and <see cref="Architecture"/> are canonical (aliases resolved).</summary>
public sealed record Target(string Name, string Platform, string Architecture, KConfig KConfig, Mark At, int Index)
{
    /// <summary>The kernel's file name in the output directory, as kraft writes it.</summary>
    public string KernelFileName => $"{Name}_{Platform}-{Architecture}";

    public override string ToString() => $"{Name} ({Platform}/{Architecture})";
}

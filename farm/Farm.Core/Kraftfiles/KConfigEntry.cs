using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>One kconfig assignment as written; <see cref="Field"/> is its path in the file for diagnostics.</summary>
public sealed record KConfigEntry(string Key, string Value, Mark At, string Field)
{
    public override string ToString() => $"{Key}={Value}";
}

using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// The <c>x-farm</c> extension: this farm's own per-app settings, invisible to kraft. Its keys are reserved
/// here and given meaning by the stages that use them (the smoke test, partial publishing).
/// </summary>
public sealed record FarmSettings(IReadOnlyDictionary<string, YamlNode> Settings, bool IsPresent)
{
    public static readonly FarmSettings Default = new(new Dictionary<string, YamlNode>(), IsPresent: false);

    /// <summary><c>x-farm.smoke</c>, checked when the file is read.</summary>
    public SmokeSettings Smoke { get; init; } = SmokeSettings.None;

    /// <summary><c>x-farm.publish: partial</c>: publish the targets that passed even when others failed.</summary>
    public bool PublishPartial { get; init; }
}

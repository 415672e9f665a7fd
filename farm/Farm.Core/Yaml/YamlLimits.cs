namespace Farm.Core.Yaml;

/// <summary>
/// Bounds that keep hostile YAML from exhausting the stack or memory. A real Kraftfile is a few kilobytes,
/// nests at most five levels and has a few hundred nodes; these leave a wide margin above that.
/// </summary>
public sealed record YamlLimits(int MaxDepth, long MaxExpandedNodes)
{
    public static readonly YamlLimits Default = new(MaxDepth: 64, MaxExpandedNodes: 100_000);
}

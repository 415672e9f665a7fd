namespace Farm.Core.Yaml;

/// <summary>
/// A node of a YAML document read by <see cref="SafeYamlReader"/>. Aliases are resolved to the anchored
/// node (shared, not copied), so walking a tree costs at most the reader's expansion budget.
/// </summary>
public abstract class YamlNode
{
    protected YamlNode(Mark start) => Start = start;

    public Mark Start { get; }

    /// <summary>Nodes in this subtree counting every alias as expanded; saturates at <see cref="long.MaxValue"/>.</summary>
    public long ExpandedSize { get; private protected set; } = 1;

    /// <summary>What a user would call this kind of node in an error message.</summary>
    public abstract string KindName { get; }
}

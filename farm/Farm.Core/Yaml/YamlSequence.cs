namespace Farm.Core.Yaml;

public sealed class YamlSequence : YamlNode
{
    private readonly List<YamlNode> _items = [];

    public YamlSequence(Mark start)
        : base(start)
    {
    }

    public IReadOnlyList<YamlNode> Items => _items;

    public override string KindName => "a list";

    internal void Add(YamlNode item)
    {
        _items.Add(item);
        ExpandedSize = SaturatingSize.Add(ExpandedSize, item.ExpandedSize);
    }
}

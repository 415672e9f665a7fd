namespace Farm.Core.Yaml;

/// <summary>A mapping whose keys are scalars, in document order. Duplicate keys are kept so callers can report them.</summary>
public sealed class YamlMapping : YamlNode
{
    private readonly List<KeyValuePair<YamlScalar, YamlNode>> _entries = [];

    public YamlMapping(Mark start)
        : base(start)
    {
    }

    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries => _entries;

    public override string KindName => "a map";

    public bool ContainsKey(string key) => _entries.Exists(e => e.Key.Text == key);

    internal void Add(YamlScalar key, YamlNode value)
    {
        _entries.Add(new(key, value));
        ExpandedSize = SaturatingSize.Add(ExpandedSize, SaturatingSize.Add(key.ExpandedSize, value.ExpandedSize));
    }
}

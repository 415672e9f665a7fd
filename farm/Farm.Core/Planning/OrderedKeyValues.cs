using Farm.Core.Kraftfiles;

namespace Farm.Core.Planning;

/// <summary>A map that keeps first-insertion order while a later Set overrides the value: the merged .config stays readable.</summary>
internal sealed class OrderedKeyValues
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public void Set(string key, string value)
    {
        if (!_values.ContainsKey(key))
        {
            _order.Add(key);
        }

        _values[key] = value;
    }

    public void SetAll(KConfig? kconfig)
    {
        foreach (var entry in kconfig?.Entries ?? [])
        {
            Set(entry.Key, entry.Value);
        }
    }

    public string? Get(string key) => _values.GetValueOrDefault(key);

    public List<KeyValuePair<string, string>> ToList() => _order.Select(k => new KeyValuePair<string, string>(k, _values[k])).ToList();
}

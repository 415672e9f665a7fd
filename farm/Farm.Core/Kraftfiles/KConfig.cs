namespace Farm.Core.Kraftfiles;

/// <summary>The kconfig of one component or target, in file order (a later duplicate wins when merged).</summary>
public sealed class KConfig
{
    public static readonly KConfig Empty = new([]);

    public KConfig(IReadOnlyList<KConfigEntry> entries) => Entries = entries;

    public IReadOnlyList<KConfigEntry> Entries { get; }

    public int Count => Entries.Count;
}

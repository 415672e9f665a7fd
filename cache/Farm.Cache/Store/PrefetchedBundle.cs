namespace Farm.Cache.Store;

/// <summary>What a prefetch brought to local disk: the compile entries' keys, and the key of the build snapshot when the bundle held one.</summary>
public sealed record PrefetchedBundle(IReadOnlyList<string> Keys, string? SnapshotKey);

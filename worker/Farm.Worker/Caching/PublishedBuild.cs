namespace Farm.Worker.Caching;

/// <summary>
/// A successful build as its bundle is published from: its build directory and event log, the compile entries
/// prefetched before it, and the key of the snapshot it recorded (none when it recorded none).
/// </summary>
internal sealed record PublishedBuild(string Directory, string EventsFile, IReadOnlyList<string> EarlierKeys, string? SnapshotKey);

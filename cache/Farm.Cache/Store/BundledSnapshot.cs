namespace Farm.Cache.Store;

/// <summary>
/// A build's snapshot as a target's bundle carries it (the make builder's record of a finished build, held on local
/// disk as an action entry under <see cref="Key"/>), with the digests of every object it names: a fresh worker
/// restores that build's objects before make runs.
/// </summary>
public sealed record BundledSnapshot(string Key, IReadOnlyList<string> ObjectDigests);

namespace Farm.State.Sources;

/// <summary>
/// A component on disk. For git sources, <see cref="Commit"/> and <see cref="Tree"/> say exactly what was checked
/// out; a local directory has neither (its content is whatever is there now).
/// </summary>
public sealed record ResolvedComponent(string Name, string Directory, string Origin, string? Commit = null, string? Tree = null);

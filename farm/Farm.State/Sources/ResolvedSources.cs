namespace Farm.State.Sources;

/// <summary>Everything make needs: the core (<c>-C</c>), the application (<c>A=</c>) and the libraries (<c>L=</c>).</summary>
public sealed record ResolvedSources(ResolvedComponent Core, ResolvedComponent Application, IReadOnlyList<ResolvedComponent> Libraries);

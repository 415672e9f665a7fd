namespace Farm.Worker.Sources;

/// <summary>Everything make needs: the core (<c>-C</c>), the application (<c>A=</c>) and the libraries (<c>L=</c>).</summary>
internal sealed record ResolvedSources(ResolvedComponent Core, ResolvedComponent Application, IReadOnlyList<ResolvedComponent> Libraries);

namespace Farm.Tests.Architecture;

/// <summary>
/// No namespace of a project uses a namespace that uses it back: a cycle is one concept split over two folders, or
/// a shared thing kept on the wrong side (as settings read by both a command and the jobs it starts were).
/// </summary>
public sealed class NamespaceCycleTests
{
    public static TheoryData<string> Assemblies() => ["Farm.Core", "Farm.Cache", "Farm.State", "worker", "farm"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Assembly_HasNoNamespaceCycle(string assembly)
    {
        var graph = NamespaceGraph.Read(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));

        var cycles = graph.Cycles();

        Assert.True(graph.Edges.Count > 0, $"{assembly}: no namespace uses another; the reader is broken");
        Assert.True(cycles.Count == 0, $"{assembly}: namespaces that use each other: " + string.Join("; ", cycles.Select(c => string.Join(" <-> ", c))));
    }
}

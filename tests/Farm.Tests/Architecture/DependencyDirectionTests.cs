using Farm.Tests.Shared;

namespace Farm.Tests.Architecture;

/// <summary>
/// Farm.Core ← Farm.Cache ← Farm.State ← Farm.Worker ← Farm, and Farm.Core ← Farm.Cli ← Farm (and ← Farm.Front, the
/// native front): each project reaches down, never up.
/// </summary>
public sealed class DependencyDirectionTests
{
    // The host embeds a worker for the one-process mode (farm build); the rest of it needs only the state.
    [Fact]
    public void FarmHost_DependsOnCoreStateAndWorker() =>
        Assert.Equal(["Farm.Cli", "Farm.Core", "Farm.State", "Farm.Worker"], ProjectReferences.Of("farm/Farm/Farm.csproj"));

    // The standalone commands are compiled into the native front: nothing of the server, the state or a worker.
    [Fact]
    public void StandaloneCommands_DependOnTheCoreOnly() =>
        Assert.Equal(["Farm.Core"], ProjectReferences.Of("farm/Farm.Cli/Farm.Cli.csproj"));

    [Fact]
    public void NativeFront_DependsOnTheStandaloneCommandsOnly() =>
        Assert.Equal(["Farm.Cli"], ProjectReferences.Of("farm/Farm.Front/Farm.Front.csproj"));

    [Fact]
    public void FarmState_DependsOnTheCacheOnly() =>
        Assert.Equal(["Farm.Cache"], ProjectReferences.Of("farm/Farm.State/Farm.State.csproj"));

    [Fact]
    public void FarmHost_UsesTheWorkerOnlyToEmbedOne()
    {
        var graph = NamespaceGraph.Read(Path.Combine(AppContext.BaseDirectory, "farm.dll"));

        Assert.Equal(["Farm.Embedded"], graph.UsersOf("worker").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FarmState_UsesNoWorkerCode()
    {
        var graph = NamespaceGraph.Read(Path.Combine(AppContext.BaseDirectory, "Farm.State.dll"));

        Assert.Empty(graph.UsersOf("worker"));
        Assert.NotEmpty(graph.UsersOf("Farm.Core"));
    }

    [Theory]
    [InlineData("farm/Farm.Core/Farm.Core.csproj")]
    [InlineData("farm/Farm.Cli/Farm.Cli.csproj")]
    [InlineData("farm/Farm.Front/Farm.Front.csproj")]
    [InlineData("cache/Farm.Cache/Farm.Cache.csproj")]
    [InlineData("farm/Farm.State/Farm.State.csproj")]
    [InlineData("worker/Farm.Worker/Farm.Worker.csproj")]
    [InlineData("action/Farm.Action/Farm.Action.csproj")]
    public void NoProject_DependsOnTheHost(string project) =>
        Assert.DoesNotContain("Farm", ProjectReferences.Of(project));
}

using Farm.Tests.Shared;

namespace Farm.Worker.Tests;

public sealed class DependencyDirectionTests
{
    // Farm.Core <- Farm.Cache <- Farm.State <- Farm.Worker <- Farm: the worker reaches the cache and Core through the state, never the host.
    [Fact]
    public void FarmWorker_DependsOnTheStateAndNoHost() =>
        // Farm.Cache.Cc is built beside the worker (farm-cc after a plain dotnet build), never used by its code.
        Assert.Equal(["Farm.Cache.Cc", "Farm.State"], ProjectReferences.Of("worker/Farm.Worker/Farm.Worker.csproj"));
}

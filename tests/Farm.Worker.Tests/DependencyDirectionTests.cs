using Farm.Tests.Shared;

namespace Farm.Worker.Tests;

public sealed class DependencyDirectionTests
{
    // Farm.Core <- Farm.Cache <- Farm.Worker <- Farm: the worker reaches Core through the cache, never the host.
    [Fact]
    public void FarmWorker_DependsOnTheCacheAndNoHost() =>
        Assert.Equal(["Farm.Cache"], ProjectReferences.Of("worker/Farm.Worker/Farm.Worker.csproj"));
}

using Farm.Tests.Shared;

namespace Farm.Action.Tests;

public sealed class DependencyDirectionTests
{
    // The Action talks to the farm over its HTTP API; it shares only the model in Farm.Core.
    [Fact]
    public void FarmAction_DependsOnlyOnFarmCore() =>
        Assert.Equal(["Farm.Core"], ProjectReferences.Of("action/Farm.Action/Farm.Action.csproj"));
}

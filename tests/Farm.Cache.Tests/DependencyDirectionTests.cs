using Farm.Tests.Shared;

namespace Farm.Cache.Tests;

public sealed class DependencyDirectionTests
{
    [Fact]
    public void FarmCache_DependsOnlyOnFarmCore() =>
        Assert.Equal(["Farm.Core"], ProjectReferences.Of("cache/Farm.Cache/Farm.Cache.csproj"));
}

using Farm.Tests.Shared;

namespace Farm.Tests;

public sealed class DependencyDirectionTests
{
    // The host embeds a worker for the one-process mode; nothing may depend on the host itself.
    [Fact]
    public void FarmHost_DependsOnCoreAndWorker() =>
        Assert.Equal(["Farm.Core", "Farm.Worker"], ProjectReferences.Of("farm/Farm/Farm.csproj"));

    [Theory]
    [InlineData("farm/Farm.Core/Farm.Core.csproj")]
    [InlineData("cache/Farm.Cache/Farm.Cache.csproj")]
    [InlineData("worker/Farm.Worker/Farm.Worker.csproj")]
    [InlineData("action/Farm.Action/Farm.Action.csproj")]
    public void NoProject_DependsOnTheHost(string project) =>
        Assert.DoesNotContain("Farm", ProjectReferences.Of(project));
}

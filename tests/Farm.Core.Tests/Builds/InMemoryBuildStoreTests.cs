using Farm.Core.Builds;

namespace Farm.Core.Tests.Builds;

/// <summary>The fan-in rules every store keeps: a target is final once, and exactly one completion sees zero open.</summary>
public sealed class InMemoryBuildStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CompleteTarget_ManyAtOnce_ExactlyOneSeesZeroOpen()
    {
        var store = new InMemoryBuildStore();
        var targets = Enumerable.Range(0, 64).Select(i => new TargetRecord("b", $"t{i}", "app", "qemu", "x86_64", "qemu-x86_64")).ToList();
        await store.CreateAsync(new BuildRecord("b", "app", "Kraftfile", "oci:out:app", "trusted", DateTimeOffset.UtcNow), targets, Ct);

        // Each target completed twice, concurrently, as a retried job might.
        var results = await Task.WhenAll(targets.Concat(targets).Select(t => Task.Run(() => store.CompleteTargetAsync("b", t.Name, new TargetOutcome(TargetState.Succeeded, null), Ct), Ct)));

        Assert.Single(results, r => r == 0);
        Assert.Equal(64, results.Count(r => r is null));
        Assert.All(await store.GetTargetsAsync("b", Ct), t => Assert.Equal(TargetState.Succeeded, t.State));
    }

    [Fact]
    public async Task Cancel_FinalisesOpenTargets_AndALaterCompletionChangesNothing()
    {
        var store = new InMemoryBuildStore();
        await store.CreateAsync(
            new BuildRecord("b", "app", "Kraftfile", "oci:out:app", "trusted", DateTimeOffset.UtcNow),
            [new TargetRecord("b", "a", "app", "qemu", "x86_64", "qemu-x86_64"), new TargetRecord("b", "s", "app", "fc", "x86_64", "fc-x86_64") { State = TargetState.Skipped, Reason = "no firecracker" }],
            Ct);
        Assert.True(await store.StartTargetAsync("b", "a", "w1", 0, Ct));

        Assert.True(await store.CancelAsync("b", Ct));
        var late = await store.CompleteTargetAsync("b", "a", new TargetOutcome(TargetState.Succeeded, null), Ct);

        Assert.Null(late);
        Assert.False(await store.StartTargetAsync("b", "a", "w2", 0, Ct));
        var targets = await store.GetTargetsAsync("b", Ct);
        Assert.Equal([TargetState.Cancelled, TargetState.Skipped], targets.Select(t => t.State));
        Assert.Equal(BuildState.Cancelled, (await store.GetAsync("b", Ct))!.State);
        Assert.False(await store.FinishAsync("b", BuildState.Succeeded, "sha256:x", null, Ct));
    }
}

using Farm.Core.Builds;
using Farm.Core.Builds.Signals;

namespace Farm.Core.Tests.Builds.Signals;

/// <summary>How a watch wakes: latched signals, only its build and kinds, the reconnect wake, the fallback poll.</summary>
public sealed class BuildSignalHubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Raise_BeforeTheWait_IsLatched_SoTheWaitReturnsSignalled()
    {
        var hub = new BuildSignalHub(TimeSpan.FromMinutes(10));
        using var watch = hub.Subscribe("b", BuildChanges.Log);

        hub.Raise("b", BuildChanges.Log);

        Assert.Equal(BuildWake.Signalled, await watch.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task Raise_OfAnotherBuildOrKind_DoesNotWake_TheWaitEndsAsAPoll()
    {
        var hub = new BuildSignalHub(TimeSpan.FromMilliseconds(200));
        using var watch = hub.Subscribe("b", BuildChanges.Targets);

        hub.Raise("c", BuildChanges.Targets);
        hub.Raise("b", BuildChanges.Log);

        Assert.Equal(BuildWake.Polled, await watch.WaitAsync(Ct));
    }

    [Fact]
    public async Task RaiseAll_WakesEveryWatch_AsReconnected_AndEachWakeIsConsumedOnce()
    {
        var hub = new BuildSignalHub(TimeSpan.FromMilliseconds(200));
        using var first = hub.Subscribe("b", BuildChanges.Targets);
        using var second = hub.Subscribe("c", BuildChanges.Log);

        hub.RaiseAll();

        Assert.Equal(BuildWake.Reconnected, await first.WaitAsync(Ct));
        Assert.Equal(BuildWake.Reconnected, await second.WaitAsync(Ct));
        Assert.Equal(BuildWake.Polled, await first.WaitAsync(Ct));
    }

    [Fact]
    public void Dispose_RemovesTheWatch()
    {
        var hub = new BuildSignalHub();
        var watch = hub.Subscribe("b", BuildChanges.Log);
        var open = hub.Count;

        watch.Dispose();

        Assert.Equal((1, 0), (open, hub.Count));
    }

    [Fact]
    public async Task Wait_Cancelled_Throws_AndDoesNotWaitForThePoll()
    {
        using var watch = new BuildSignalHub(TimeSpan.FromMinutes(10)).Subscribe("b", BuildChanges.Log);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var waiting = watch.WaitAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task InMemoryStore_CancelAndLogLine_SignalTheirWatches()
    {
        var store = new InMemoryBuildStore();
        await store.CreateAsync(new BuildRecord("b", "app", "Kraftfile", "oci:out:app", "trusted", DateTimeOffset.UtcNow), [new TargetRecord("b", "a", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);
        using var cancels = store.Watch("b", BuildChanges.Targets);
        using var tail = store.Watch("b", BuildChanges.Log);

        var cancelled = cancels.WaitAsync(Ct);
        var waitingBeforeCancel = !cancelled.IsCompleted;
        await store.CancelAsync("b", Ct);
        await store.AppendLogAsync("b", "a", "line", Ct);

        Assert.True(waitingBeforeCancel);
        Assert.Equal(BuildWake.Signalled, await cancelled.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(BuildWake.Signalled, await tail.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }
}

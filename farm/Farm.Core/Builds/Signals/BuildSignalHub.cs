namespace Farm.Core.Builds.Signals;

/// <summary>
/// Hands change signals of builds to the watches that wait for them, in one process. Whatever carries the signals
/// (PostgreSQL's LISTEN/NOTIFY for the farm, the in-memory store for the embedded farm) calls <see cref="Raise"/>; a
/// watch that hears nothing still wakes after <see cref="FallbackPoll"/>, so a lost signal costs latency, never a hang.
/// Signals carry build ids only: a watch re-reads the store, so a forged or stale signal causes one extra read.
/// </summary>
public sealed class BuildSignalHub
{
    /// <summary>How long a watch waits without a signal before its owner polls anyway.</summary>
    public static readonly TimeSpan DefaultFallbackPoll = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Watch>> _watches = new(StringComparer.Ordinal);

    public BuildSignalHub(TimeSpan? fallbackPoll = null) => FallbackPoll = fallbackPoll ?? DefaultFallbackPoll;

    public TimeSpan FallbackPoll { get; }

    /// <summary>How many watches are open (tests, metrics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _watches.Values.Sum(w => w.Count);
            }
        }
    }

    public IBuildWatch Subscribe(string buildId, BuildChanges changes)
    {
        ArgumentNullException.ThrowIfNull(buildId);
        var watch = new Watch(this, buildId, changes);
        lock (_gate)
        {
            if (!_watches.TryGetValue(buildId, out var list))
            {
                _watches[buildId] = list = [];
            }

            list.Add(watch);
        }

        return watch;
    }

    /// <summary>Wakes the watches of <paramref name="buildId"/> that asked for <paramref name="change"/>.</summary>
    public void Raise(string buildId, BuildChanges change)
    {
        foreach (var watch in Snapshot(buildId))
        {
            if ((watch.Changes & change) != 0)
            {
                watch.Wake(BuildWake.Signalled);
            }
        }
    }

    /// <summary>Wakes every watch: the signal source came back and may have missed changes while it was away.</summary>
    public void RaiseAll()
    {
        foreach (var watch in Snapshot(null))
        {
            watch.Wake(BuildWake.Reconnected);
        }
    }

    private Watch[] Snapshot(string? buildId)
    {
        lock (_gate)
        {
            return buildId is null
                ? [.. _watches.Values.SelectMany(w => w)]
                : _watches.TryGetValue(buildId, out var list) ? [.. list] : [];
        }
    }

    private void Remove(Watch watch)
    {
        lock (_gate)
        {
            if (_watches.TryGetValue(watch.BuildId, out var list) && list.Remove(watch) && list.Count == 0)
            {
                _watches.Remove(watch.BuildId);
            }
        }
    }

    private sealed class Watch(BuildSignalHub hub, string buildId, BuildChanges changes) : IBuildWatch
    {
        private readonly Lock _gate = new();

        // Completed when a wake is pending; replaced by a fresh one when a wait consumes it. RunContinuationsAsynchronously:
        // Raise runs on the listener's thread and must not run the waiter's code there.
        private TaskCompletionSource<BuildWake> _pending = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string BuildId { get; } = buildId;

        public BuildChanges Changes { get; } = changes;

        public void Wake(BuildWake reason)
        {
            lock (_gate)
            {
                _pending.TrySetResult(reason);
            }
        }

        public async Task<BuildWake> WaitAsync(CancellationToken cancellationToken)
        {
            Task<BuildWake> pending;
            lock (_gate)
            {
                pending = _pending.Task;
            }

            using (var fallback = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                await Task.WhenAny(pending, Task.Delay(hub.FallbackPoll, fallback.Token)).ConfigureAwait(false);
                await fallback.CancelAsync().ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                if (_pending.Task.IsCompleted)
                {
                    var reason = _pending.Task.Result;
                    _pending = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    return reason;
                }
            }

            return BuildWake.Polled;
        }

        public void Dispose() => hub.Remove(this);
    }
}

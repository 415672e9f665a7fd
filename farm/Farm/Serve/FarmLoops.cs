namespace Farm.Serve;

/// <summary>
/// The farm's own background loops (the worker watchdog, build deadlines, check-run sync), started together and ended
/// together before the job server stops: <see cref="StopAsync"/> cancels them and waits for each, so none outlives
/// the stores it writes to. A loop that throws is waited for all the same and its exception surfaces there.
/// </summary>
internal sealed class FarmLoops : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];

    /// <summary>Runs <paramref name="loop"/> on the thread pool until <see cref="StopAsync"/>.</summary>
    public void Start(Func<CancellationToken, Task> loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        _running.Add(Task.Run(() => loop(_stopping.Token), CancellationToken.None));
    }

    public int Count => _running.Count;

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }
}

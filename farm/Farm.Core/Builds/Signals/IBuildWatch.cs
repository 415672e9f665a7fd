namespace Farm.Core.Builds.Signals;

/// <summary>
/// One watcher of one build. Take it before the first read of the state it watches, then read, then wait: a change
/// that happens between the read and the wait is not lost (the watch latches it), so the pattern needs no lock.
/// </summary>
public interface IBuildWatch : IDisposable
{
    /// <summary>
    /// Returns at once when a change came since the last wait, else when one comes, the signal source reconnects, or
    /// the fallback interval passes (never later: every wait ends).
    /// </summary>
    Task<BuildWake> WaitAsync(CancellationToken cancellationToken);
}

namespace Farm.Worker.Targets;

/// <summary>
/// <c>worker serve</c>'s use of <see cref="WorkspaceJanitor"/>: a sweep at start, then every <see cref="Every"/>, on
/// the thread pool (a large build directory takes a while to remove, and the heartbeat must not wait for it).
/// </summary>
internal sealed class WorkspaceSweep(string workDirectory, TimeSpan unusedFor, TextWriter log, string worker)
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(6);

    private DateTime _next = DateTime.MinValue;
    private Task _running = Task.CompletedTask;

    public void StartIfDue()
    {
        if (DateTime.UtcNow < _next || !_running.IsCompleted)
        {
            return;
        }

        _next = DateTime.UtcNow + Every;
        _running = Task.Run(() =>
        {
            try
            {
                var counts = WorkspaceJanitor.Sweep(workDirectory, unusedFor, DateTime.UtcNow);
                if (counts.Removed + counts.Failed > 0)
                {
                    var failed = counts.Failed > 0 ? $"; {counts.Failed} could not be removed" : string.Empty;
                    log.WriteLine($"worker {worker}: removed {counts.Removed} workspaces unused for {unusedFor.TotalDays:0.#} days{failed}");
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                log.WriteLine($"worker {worker}: the workspace sweep stopped: {error.Message}");
            }
        });
    }
}

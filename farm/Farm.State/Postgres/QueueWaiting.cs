namespace Farm.State.Postgres;

/// <summary>Why a queued target waits: no live worker serves its queue. The API and the dashboard say it the same way.</summary>
public static class QueueWaiting
{
    /// <summary>Null when a live worker serves the queue; else "waiting for a worker of queue Q (none seen | last seen: ...)".</summary>
    public static string? Reason(string queue, IReadOnlyList<WorkerInfo> workers) =>
        LastSeen(queue, workers) is { } seen ? $"waiting for a worker of queue {queue} ({seen})" : null;

    /// <summary>Null when a live worker serves the queue; else "none seen" or who served it last and when.</summary>
    public static string? LastSeen(string queue, IReadOnlyList<WorkerInfo> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        var serving = workers.Where(w => w.Queues.Contains(queue, StringComparer.Ordinal)).ToList();
        if (serving.Exists(w => w.Alive))
        {
            return null;
        }

        return serving.MaxBy(w => w.Heartbeat) is { } last ? $"last seen: {last.Name} at {last.Heartbeat:yyyy-MM-ddTHH:mm:ssZ}" : "none seen";
    }
}

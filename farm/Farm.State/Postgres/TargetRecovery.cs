using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// The farm's view of targets whose wait would not end by itself: running on a worker that stopped heartbeating, or
/// queued for a queue no live worker serves. Every change is one conditional statement, so two farms (or a farm and
/// a worker finishing the target) racing on the same row change it once.
/// </summary>
public sealed class TargetRecovery
{
    private readonly NpgsqlDataSource _database;

    public TargetRecovery(NpgsqlDataSource database) => _database = database;

    /// <summary>Running targets of open builds whose worker's heartbeat is older than <paramref name="deadAfter"/>.</summary>
    public async Task<IReadOnlyList<LostTarget>> LostAsync(TimeSpan deadAfter, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            """
            SELECT t.build_id, t.name, t.queue, t.worker, t.attempt, extract(epoch FROM now() - w.heartbeat)::double precision
            FROM farm.targets t JOIN farm.workers w ON w.name = t.worker JOIN farm.builds b ON b.id = t.build_id
            WHERE t.state = 'running' AND b.state IN ('queued','running') AND now() - w.heartbeat >= @dead
            """);
        command.Parameters.AddWithValue("dead", deadAfter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lost = new List<LostTarget>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lost.Add(new LostTarget(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), TimeSpan.FromSeconds(reader.GetDouble(5))));
        }

        return lost;
    }

    /// <summary>
    /// Puts a lost target back in the queue as attempt <c>Attempt + 1</c>, with the reason; false when it moved on
    /// meanwhile (finished, cancelled, or already started by the new job, which records the attempt itself).
    /// </summary>
    public async Task<bool> RequeueAsync(LostTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        await using var command = _database.CreateCommand(
            """
            UPDATE farm.targets SET state = 'queued', phase = NULL, worker = NULL, attempt = @attempt + 1, queued = now(), reason = @reason
            WHERE build_id = @build AND name = @name AND state = 'running' AND worker = @worker AND attempt = @attempt
            """);
        command.Parameters.AddWithValue("build", target.BuildId);
        command.Parameters.AddWithValue("name", target.Name);
        command.Parameters.AddWithValue("worker", target.Worker);
        command.Parameters.AddWithValue("attempt", target.Attempt);
        command.Parameters.AddWithValue("reason", $"retrying after worker {target.Worker} was lost");
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Moves a target its worker could not boot to <paramref name="queue"/> (a worker that can) as attempt
    /// <c>attempt + 1</c>, as <see cref="RequeueAsync"/> does for a lost worker; the build keeps it open. False when it
    /// moved on meanwhile (cancelled, or no longer this worker's attempt).
    /// </summary>
    public async Task<bool> MoveAsync(string buildId, string name, string worker, int attempt, string queue, string reason, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            """
            UPDATE farm.targets SET state = 'queued', phase = NULL, worker = NULL, attempt = @attempt + 1, queue = @queue, queued = now(), reason = @reason
            WHERE build_id = @build AND name = @name AND state = 'running' AND worker = @worker AND attempt = @attempt
            """);
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("worker", worker);
        command.Parameters.AddWithValue("attempt", attempt);
        command.Parameters.AddWithValue("queue", queue);
        command.Parameters.AddWithValue("reason", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Fails the targets queued longer than <paramref name="queueWait"/> for a queue no worker heartbeating within
    /// <paramref name="deadAfter"/> serves, naming the queue, and counts them off their builds as a completion does.
    /// </summary>
    /// <returns>The builds left with no open target: their assemble job is the caller's to enqueue.</returns>
    public async Task<IReadOnlyList<string>> FailUnservedAsync(TimeSpan queueWait, TimeSpan deadAfter, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            """
            WITH expired AS (
                UPDATE farm.targets t SET state = 'failed', phase = NULL, finished = now(),
                    reason = 'no worker of queue ' || t.queue || ' appeared within ' || @wait_text
                        || CASE WHEN EXISTS (SELECT 1 FROM farm.workers w WHERE t.queue = ANY (w.queues)) THEN ' (its workers are gone)' ELSE ' (none seen)' END
                FROM farm.builds b
                WHERE b.id = t.build_id AND b.state IN ('queued','running') AND t.state = 'queued' AND t.queued <= now() - @wait
                  AND NOT EXISTS (SELECT 1 FROM farm.workers w WHERE t.queue = ANY (w.queues) AND now() - w.heartbeat < @dead)
                RETURNING t.build_id),
            counted AS (SELECT build_id, count(*)::integer AS n FROM expired GROUP BY build_id)
            UPDATE farm.builds SET open_targets = open_targets - counted.n FROM counted WHERE farm.builds.id = counted.build_id
            RETURNING farm.builds.id, farm.builds.open_targets
            """);
        command.Parameters.AddWithValue("wait", queueWait);
        command.Parameters.AddWithValue("wait_text", queueWait.TotalMinutes >= 1 ? $"{queueWait.TotalMinutes:0.#} min (Farm__Builds__QueueWaitMinutes)" : $"{queueWait.TotalSeconds:0} s (Farm__Builds__QueueWaitMinutes)");
        command.Parameters.AddWithValue("dead", deadAfter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var done = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetInt32(1) == 0)
            {
                done.Add(reader.GetString(0));
            }
        }

        return done;
    }
}

/// <summary>A running target whose worker has been silent for <see cref="Silent"/>.</summary>
public sealed record LostTarget(string BuildId, string Name, string Queue, string Worker, int Attempt, TimeSpan Silent);

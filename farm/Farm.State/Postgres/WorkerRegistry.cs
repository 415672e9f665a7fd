using Npgsql;

namespace Farm.State.Postgres;

/// <summary>Workers as the farm lists them: name, queues, what they detected, and a heartbeat.</summary>
public sealed class WorkerRegistry
{
    /// <summary>The default of <c>Farm__Workers__DeadAfterSeconds</c>: a worker silent this long is gone, its running targets retried.</summary>
    public static readonly TimeSpan DefaultDeadAfter = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A few heartbeats fit in <see cref="DefaultDeadAfter"/>, so one slow update does not make a live worker look
    /// dead; each costs one single-row UPDATE.
    /// </summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private readonly NpgsqlDataSource _database;
    private readonly TimeSpan _deadAfter;

    /// <param name="deadAfter">When a worker counts as gone; null for <see cref="DefaultDeadAfter"/>.</param>
    public WorkerRegistry(NpgsqlDataSource database, TimeSpan? deadAfter = null)
    {
        _database = database;
        _deadAfter = deadAfter ?? DefaultDeadAfter;
    }

    /// <summary>How long a worker may be silent before it counts as gone.</summary>
    public TimeSpan DeadAfter => _deadAfter;

    /// <returns>The drain state the worker comes back to (a drain survives a restart: an upgraded worker waits to be resumed).</returns>
    public async Task<WorkerDrain> RegisterAsync(string name, IReadOnlyList<string> queues, string capabilities, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            """
            INSERT INTO farm.workers (name, queues, capabilities, started, heartbeat) VALUES (@name, @queues, @capabilities, now(), now())
            ON CONFLICT (name) DO UPDATE SET queues = excluded.queues, capabilities = excluded.capabilities, started = now(), heartbeat = now()
            RETURNING drain
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("queues", queues.ToArray());
        command.Parameters.AddWithValue("capabilities", capabilities);
        return WorkerDrains.Parse(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string);
    }

    /// <returns>The worker's drain state as the farm asks it (<see cref="WorkerDrain"/>), read in the same statement.</returns>
    public async Task<WorkerDrain> HeartbeatAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("UPDATE farm.workers SET heartbeat = now() WHERE name = @name RETURNING drain");
        command.Parameters.AddWithValue("name", name);
        return WorkerDrains.Parse(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string);
    }

    /// <summary>
    /// Asks a worker to take no new target and finish the ones it runs (it confirms with <see cref="MarkDrainedAsync"/>).
    /// A drained worker stays drained. False when no worker has that name.
    /// </summary>
    public async Task<bool> RequestDrainAsync(string name, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE farm.workers SET drain = coalesce(drain, 'draining') WHERE name = @name", name, cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>Lets a worker take targets again (drained or still draining). False when no worker has that name.</summary>
    public async Task<bool> ResumeAsync(string name, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE farm.workers SET drain = NULL WHERE name = @name", name, cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>The worker's confirmation: its job server has stopped and no target runs. Only a drain still asked for moves.</summary>
    public async Task MarkDrainedAsync(string name, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE farm.workers SET drain = 'drained' WHERE name = @name AND drain = 'draining'", name, cancellationToken).ConfigureAwait(false);

    private async Task<int> ExecuteAsync(string sql, string name, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(sql);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT name, queues, capabilities, started, heartbeat, now() - heartbeat < @stale, drain FROM farm.workers ORDER BY name");
        command.Parameters.AddWithValue("stale", _deadAfter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            workers.Add(new WorkerInfo(reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetString(2), reader.GetDateTime(3), reader.GetDateTime(4), reader.GetBoolean(5))
            {
                Drain = WorkerDrains.Parse(reader.IsDBNull(6) ? null : reader.GetString(6)),
            });
        }

        return workers;
    }
}

/// <summary>One registered worker; <see cref="Alive"/> when its heartbeat is recent.</summary>
public sealed record WorkerInfo(string Name, IReadOnlyList<string> Queues, string Capabilities, DateTime Started, DateTime Heartbeat, bool Alive)
{
    public WorkerDrain Drain { get; init; }
}

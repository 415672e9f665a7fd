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

    public async Task RegisterAsync(string name, IReadOnlyList<string> queues, string capabilities, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            """
            INSERT INTO farm.workers (name, queues, capabilities, started, heartbeat) VALUES (@name, @queues, @capabilities, now(), now())
            ON CONFLICT (name) DO UPDATE SET queues = excluded.queues, capabilities = excluded.capabilities, started = now(), heartbeat = now()
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("queues", queues.ToArray());
        command.Parameters.AddWithValue("capabilities", capabilities);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task HeartbeatAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("UPDATE farm.workers SET heartbeat = now() WHERE name = @name");
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT name, queues, capabilities, started, heartbeat, now() - heartbeat < @stale FROM farm.workers ORDER BY name");
        command.Parameters.AddWithValue("stale", _deadAfter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            workers.Add(new WorkerInfo(reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetString(2), reader.GetDateTime(3), reader.GetDateTime(4), reader.GetBoolean(5)));
        }

        return workers;
    }
}

/// <summary>One registered worker; <see cref="Alive"/> when its heartbeat is recent.</summary>
public sealed record WorkerInfo(string Name, IReadOnlyList<string> Queues, string Capabilities, DateTime Started, DateTime Heartbeat, bool Alive);

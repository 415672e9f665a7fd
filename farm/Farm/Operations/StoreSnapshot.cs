using Npgsql;

namespace Farm.Operations;

/// <summary>
/// What the farm's metrics read from PostgreSQL at a scrape, in one round trip: builds and targets by state, each
/// queue's waiting targets and the oldest one's age, live workers per queue, and the targets that started or finished
/// since the last read (for the counters and histograms). Rows are read up to <see cref="Settle"/> before now: a
/// completion's transaction that commits late is still seen once, never skipped.
/// </summary>
internal sealed class StoreSnapshot
{
    /// <summary>How far behind now a scrape reads starts and completions.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    private const string Sql = """
        SELECT now() - make_interval(secs => @settle);
        SELECT state, count(*) FROM farm.builds GROUP BY state;
        SELECT state, count(*) FROM farm.targets GROUP BY state;
        SELECT queue, count(*), extract(epoch FROM now() - min(queued))::float8 FROM farm.targets WHERE state = 'queued' GROUP BY queue;
        SELECT q, count(*) FROM farm.workers, unnest(queues) AS q WHERE heartbeat > now() - make_interval(secs => @dead) GROUP BY q;
        SELECT queue, extract(epoch FROM started - queued)::float8 FROM farm.targets
            WHERE started > @since AND started <= now() - make_interval(secs => @settle) AND started >= queued;
        SELECT queue, state, build_seconds, boot_seconds, cache_hits, cache_misses, cache_errors, cached FROM farm.targets
            WHERE finished > @since AND finished <= now() - make_interval(secs => @settle);
        SELECT state, extract(epoch FROM finished - created)::float8 FROM farm.builds
            WHERE finished > @since AND finished <= now() - make_interval(secs => @settle);
        """;

    public DateTime ReadUpTo { get; private init; }

    public Dictionary<string, long> Builds { get; } = [];

    public Dictionary<string, long> Targets { get; } = [];

    public List<(string Queue, long Waiting, double OldestSeconds)> Queues { get; } = [];

    public Dictionary<string, long> WorkersOnline { get; } = [];

    public List<(string Queue, double Seconds)> Pickups { get; } = [];

    public List<FinishedTarget> Finished { get; } = [];

    public List<(string State, double Seconds)> FinishedBuilds { get; } = [];

    /// <param name="since">The previous snapshot's <see cref="ReadUpTo"/>; the first reads the whole history.</param>
    public static async Task<StoreSnapshot> ReadAsync(NpgsqlDataSource database, DateTime since, TimeSpan workerDeadAfter, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(Sql);
        command.Parameters.AddWithValue("settle", Settle.TotalSeconds);
        command.Parameters.AddWithValue("dead", workerDeadAfter.TotalSeconds);
        command.Parameters.AddWithValue("since", NpgsqlTypes.NpgsqlDbType.TimestampTz, since);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = new StoreSnapshot { ReadUpTo = reader.GetDateTime(0) };
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.Builds[reader.GetString(0)] = reader.GetInt64(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.Targets[reader.GetString(0)] = reader.GetInt64(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.Queues.Add((reader.GetString(0), reader.GetInt64(1), Math.Max(0, reader.GetDouble(2))));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.WorkersOnline[reader.GetString(0)] = reader.GetInt64(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.Pickups.Add((reader.GetString(0), reader.GetDouble(1)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.Finished.Add(new FinishedTarget(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.GetInt64(4),
                reader.GetInt64(5),
                reader.GetInt64(6),
                reader.GetBoolean(7)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            snapshot.FinishedBuilds.Add((reader.GetString(0), reader.GetDouble(1)));
        }

        return snapshot;
    }
}

internal sealed record FinishedTarget(string Queue, string State, double? BuildSeconds, double? BootSeconds, long CacheHits, long CacheMisses, long CacheErrors, bool Cached);

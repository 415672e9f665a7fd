using Farm.Core.Builds;

namespace Farm.State.Postgres;

/// <summary>
/// The dashboard's summaries, each one statement whatever the size of the fleet or the history: a worker's last jobs
/// through one lateral index walk per worker (<c>targets_by_worker</c>), the running targets from <c>targets_open</c>,
/// cache use summed by PostgreSQL, and the catalog's last runs per app ranked inside the nightly builds only.
/// </summary>
public sealed partial class PostgresBuildStore
{
    public async Task<IReadOnlyList<TargetEntry>> ListRecentTargetsByWorkerAsync(IReadOnlyCollection<string> workers, int perWorker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workers);
        if (workers.Count == 0 || perWorker <= 0)
        {
            return [];
        }

        await using var command = _database.CreateCommand(
            $"""
            SELECT {TargetColumns}, b.app FROM unnest(@workers) AS w(name)
            CROSS JOIN LATERAL (SELECT * FROM farm.targets x WHERE x.worker = w.name AND x.finished IS NOT NULL
                                ORDER BY x.finished DESC, x.build_id COLLATE "C", x.name COLLATE "C" LIMIT @per) t
            JOIN farm.builds b ON b.id = t.build_id
            ORDER BY w.name, t.finished DESC, t.build_id COLLATE "C", t.name COLLATE "C"
            """);
        command.Parameters.AddWithValue("workers", workers.ToArray());
        command.Parameters.AddWithValue("per", perWorker);
        return await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TargetEntry>> ListRunningTargetsAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            $"SELECT {TargetColumns}, b.app FROM farm.targets t JOIN farm.builds b ON b.id = t.build_id WHERE t.state = 'running' ORDER BY t.build_id, t.position");
        return await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CacheSummary> SummarizeCacheAsync(int days, int builds, CancellationToken cancellationToken)
    {
        const string Sums = "sum(t.cache_hits)::bigint, sum(t.cache_misses)::bigint, sum(t.cache_errors)::bigint, count(*)::int, count(*) FILTER (WHERE t.cached)::int, count(t.rootfs_cached)::int, count(*) FILTER (WHERE t.rootfs_cached)::int";
        const string TierSums = "c.key, sum((c.value->>'hits')::bigint)::bigint, sum((c.value->>'errors')::bigint)::bigint, sum((c.value->>'bytes')::bigint)::bigint";
        const string Done = "t.state IN ('succeeded', 'failed')";
        const string Since = "(now() AT TIME ZONE 'UTC')::date - (@days - 1)";
        // The builds whose targets finished last: the first distinct builds met walking targets_by_finished newest first.
        // The walk stops after 2,000 targets, so a build with more targets than that could push others out.
        const string Last = $"""
            SELECT w.build_id FROM (SELECT t.build_id, t.finished FROM farm.targets t WHERE t.finished >= {Since} AND {Done} ORDER BY t.finished DESC LIMIT 2000) w
            GROUP BY w.build_id ORDER BY max(w.finished) DESC, w.build_id COLLATE "C" LIMIT @builds
            """;
        string[] statements =
        [
            $"SELECT to_char(d.day, 'YYYY-MM-DD'), NULL, d.hits, d.misses, d.errors, d.targets, d.target_hits, d.rootfs_targets, d.rootfs_hits FROM farm.cache_days d WHERE d.tier = '' AND d.day >= {Since} ORDER BY d.day DESC",
            $"""
            SELECT t.build_id, b.app, {Sums} FROM farm.targets t JOIN farm.builds b ON b.id = t.build_id
            WHERE {Done} AND t.build_id IN ({Last}) GROUP BY t.build_id, b.app ORDER BY max(t.finished) DESC, t.build_id COLLATE "C"
            """,
            $"SELECT to_char(d.day, 'YYYY-MM-DD'), d.tier, d.hits, d.errors, d.bytes FROM farm.cache_days d WHERE d.tier <> '' AND d.day >= {Since}",
            $"SELECT t.build_id, {TierSums} FROM farm.targets t CROSS JOIN LATERAL jsonb_each(t.cache_tiers) c WHERE {Done} AND t.build_id IN ({Last}) GROUP BY t.build_id, c.key",
        ];
        await using var batch = _database.CreateBatch();
        foreach (var statement in statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = statement;
            command.Parameters.AddWithValue("days", Math.Max(1, days));
            command.Parameters.AddWithValue("builds", Math.Max(0, builds));
            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        async Task<List<CacheUsage>> UsageAsync()
        {
            var rows = new List<CacheUsage>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new CacheUsage(reader.GetString(0), Text(reader, 1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt32(5), reader.GetInt32(6))
                {
                    RootfsTargets = reader.GetInt32(7),
                    RootfsHits = reader.GetInt32(8),
                });
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            return rows;
        }

        async Task<ILookup<string, KeyValuePair<string, TierUse>>> TiersAsync()
        {
            var rows = new List<(string Key, KeyValuePair<string, TierUse> Tier)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), new(reader.GetString(1), new TierUse(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)))));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            return rows.ToLookup(r => r.Key, r => r.Tier, StringComparer.Ordinal);
        }

        var perDay = await UsageAsync().ConfigureAwait(false);
        var perBuild = await UsageAsync().ConfigureAwait(false);
        var dayTiers = await TiersAsync().ConfigureAwait(false);
        var buildTiers = await TiersAsync().ConfigureAwait(false);
        static List<CacheUsage> With(List<CacheUsage> rows, ILookup<string, KeyValuePair<string, TierUse>> tiers) =>
            rows.Select(r => r with { Tiers = tiers[r.Key].ToDictionary(StringComparer.Ordinal) }).ToList();
        return new CacheSummary(With(perDay, dayTiers), With(perBuild, buildTiers));
    }

    public async Task<IReadOnlyList<BuildSummary>> ListLatestPerAppAsync(string trigger, int perApp, string? app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var builds = new List<BuildRecord>();
        await using (var command = _database.CreateCommand(
            $"""
            SELECT {BuildColumns} FROM (
                SELECT x.*, row_number() OVER (PARTITION BY x.app ORDER BY x.created DESC, x.id COLLATE "C" DESC) AS run
                FROM farm.builds x WHERE x.trigger = @trigger AND (@app::text IS NULL OR x.app = @app)) b
            WHERE b.run <= @per ORDER BY b.created DESC, b.id COLLATE "C" DESC
            """))
        {
            command.Parameters.AddWithValue("trigger", trigger);
            command.Parameters.AddWithValue("app", (object?)app ?? DBNull.Value);
            command.Parameters.AddWithValue("per", Math.Max(0, perApp));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                builds.Add(ReadBuild(reader));
            }
        }

        var targets = await TargetsOfAsync(builds.Select(b => b.Id).ToArray(), cancellationToken).ConfigureAwait(false);
        return builds.Select(b => new BuildSummary(b, targets.TryGetValue(b.Id, out var t) ? t : [])).ToList();
    }

    private static async Task<IReadOnlyList<TargetEntry>> ReadEntriesAsync(Npgsql.NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<TargetEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new TargetEntry(ReadTarget(reader), reader.GetString(AppColumn)));
        }

        return entries;
    }
}

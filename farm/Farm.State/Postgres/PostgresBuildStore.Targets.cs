using Farm.Core.Builds;
using Farm.Core.Builds.Signals;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>A target's life in the store: started by one attempt, its phase, its outcome (and the cache page's day sums).</summary>
public sealed partial class PostgresBuildStore
{
    public async Task<bool> StartTargetAsync(string buildId, string name, string worker, int attempt, CancellationToken cancellationToken)
    {
        // attempt may be newer than the row's: the farm enqueues the new job before it records the attempt (so a farm
        // killed in between leaves a runnable job, not a target no job will start).
        await using var command = _database.CreateCommand(
            $"""
            WITH started AS (
                UPDATE farm.targets SET state = 'running', worker = @worker, phase = 'starting', started = now(), attempt = @attempt
                WHERE build_id = @build AND name = @name AND state IN {Open} AND attempt <= @attempt RETURNING build_id)
            UPDATE farm.builds SET state = CASE WHEN state = 'queued' THEN 'running' ELSE state END
            FROM started WHERE farm.builds.id = started.build_id RETURNING 1
            """);
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("worker", worker);
        command.Parameters.AddWithValue("attempt", attempt);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task SetPhaseAsync(string buildId, string name, string phase, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand($"UPDATE farm.targets SET phase = @phase WHERE build_id = @build AND name = @name AND state IN {Open}");
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("phase", phase);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int?> CompleteTargetAsync(string buildId, string name, TargetOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await using var command = _database.CreateCommand(
            $"""
            WITH done AS (
                UPDATE farm.targets SET state = @state, phase = NULL, reason = @reason, manifest_digest = @manifest, index_entry = @entry,
                    build_seconds = @build_seconds, boot_seconds = @boot_seconds, cache_hits = @hits, cache_misses = @misses, cache_errors = @errors, cached = @cached, finished = now(), kernel_bytes = @kernel_bytes,
                    cache_tiers = @tiers::jsonb, rootfs_cached = @rootfs
                WHERE build_id = @build AND name = @name AND state IN {Open} RETURNING *),
            counted AS (SELECT (finished AT TIME ZONE 'UTC')::date AS day, * FROM done WHERE state IN ('succeeded', 'failed')),
            day_totals AS (
                INSERT INTO farm.cache_days AS d (day, tier, hits, misses, errors, targets, target_hits, rootfs_targets, rootfs_hits)
                SELECT day, '', cache_hits, cache_misses, cache_errors, 1, cached::int, (rootfs_cached IS NOT NULL)::int, coalesce(rootfs_cached, false)::int FROM counted
                ON CONFLICT (day, tier) DO UPDATE SET hits = d.hits + excluded.hits, misses = d.misses + excluded.misses, errors = d.errors + excluded.errors,
                    targets = d.targets + 1, target_hits = d.target_hits + excluded.target_hits,
                    rootfs_targets = d.rootfs_targets + excluded.rootfs_targets, rootfs_hits = d.rootfs_hits + excluded.rootfs_hits),
            day_tiers AS (
                INSERT INTO farm.cache_days AS d (day, tier, hits, errors, bytes)
                SELECT day, c.key, (c.value->>'hits')::bigint, (c.value->>'errors')::bigint, (c.value->>'bytes')::bigint FROM counted CROSS JOIN LATERAL jsonb_each(counted.cache_tiers) c
                ON CONFLICT (day, tier) DO UPDATE SET hits = d.hits + excluded.hits, errors = d.errors + excluded.errors, bytes = d.bytes + excluded.bytes)
            UPDATE farm.builds SET open_targets = open_targets - 1 FROM done WHERE farm.builds.id = done.build_id RETURNING open_targets
            """);
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("state", outcome.State.Name());
        command.Parameters.AddWithValue("reason", (object?)outcome.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue("manifest", (object?)outcome.ManifestDigest ?? DBNull.Value);
        command.Parameters.AddWithValue("entry", (object?)outcome.IndexEntry ?? DBNull.Value);
        command.Parameters.AddWithValue("build_seconds", (object?)outcome.BuildSeconds ?? DBNull.Value);
        command.Parameters.AddWithValue("boot_seconds", (object?)outcome.BootSeconds ?? DBNull.Value);
        command.Parameters.AddWithValue("hits", outcome.CacheHits);
        command.Parameters.AddWithValue("misses", outcome.CacheMisses);
        command.Parameters.AddWithValue("errors", outcome.CacheErrors);
        command.Parameters.AddWithValue("cached", outcome.Cached);
        command.Parameters.AddWithValue("kernel_bytes", (object?)outcome.KernelBytes ?? DBNull.Value);
        command.Parameters.AddWithValue("tiers", CacheTierJson.Write(outcome.CacheTiers));
        command.Parameters.AddWithValue("rootfs", (object?)outcome.RootfsCached ?? DBNull.Value);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int open ? open : null;
    }
}

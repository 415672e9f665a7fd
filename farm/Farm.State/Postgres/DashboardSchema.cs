namespace Farm.State.Postgres;

/// <summary>
/// What the dashboard's lists need beside the core tables: what started a build and for which branch, and the indexes
/// that make every filter of the builds list an index range (newest first, keyset paged) rather than a scan. Run by
/// every process after the core (the build store writes the columns), so a worker that migrates first makes them too.
/// </summary>
public static class DashboardSchema
{
    public static readonly SchemaModule Module = new("dashboard",
    [
        // IF NOT EXISTS: a database whose migration records were carried over from the old numbering may have them already.
        // id COLLATE "C": the list's order and its keyset cursor compare ids bytewise, as the in-memory store does.
        """
        ALTER TABLE farm.builds ADD COLUMN IF NOT EXISTS trigger text NOT NULL DEFAULT 'api';
        ALTER TABLE farm.builds ADD COLUMN IF NOT EXISTS branch text;
        ALTER TABLE farm.targets ADD COLUMN IF NOT EXISTS kernel_bytes bigint;
        CREATE INDEX IF NOT EXISTS builds_newest ON farm.builds (created DESC, (id COLLATE "C") DESC);
        CREATE INDEX IF NOT EXISTS builds_by_state ON farm.builds (state, created DESC, (id COLLATE "C") DESC);
        CREATE INDEX IF NOT EXISTS builds_by_app ON farm.builds (app, created DESC, (id COLLATE "C") DESC);
        CREATE INDEX IF NOT EXISTS builds_by_trigger ON farm.builds (trigger, created DESC, (id COLLATE "C") DESC);
        CREATE INDEX IF NOT EXISTS builds_by_repository ON farm.builds (git_url, created DESC, (id COLLATE "C") DESC);
        CREATE INDEX IF NOT EXISTS builds_by_branch ON farm.builds (branch, created DESC, (id COLLATE "C") DESC);
        CREATE INDEX IF NOT EXISTS targets_by_platform ON farm.targets (platform, architecture, build_id);
        CREATE INDEX IF NOT EXISTS targets_by_worker ON farm.targets (worker, finished DESC);
        CREATE INDEX IF NOT EXISTS targets_by_finished ON farm.targets (finished DESC);
        """,
        // The cache page's per-tier and rootfs figures: {"local": {"hits": 3, "errors": 0, "bytes": 4096}, ...} per target.
        """
        ALTER TABLE farm.targets ADD COLUMN IF NOT EXISTS cache_tiers jsonb NOT NULL DEFAULT '{}';
        ALTER TABLE farm.targets ADD COLUMN IF NOT EXISTS rootfs_cached boolean;
        """,
        // The cache page's days, summed as targets finish (tier '' is the totals), so the page reads 14 rows per tier
        // however many targets ran. farm.rebuild_cache_days() recomputes it from the targets (this migration, bench/).
        """
        CREATE TABLE IF NOT EXISTS farm.cache_days (
            day date NOT NULL,
            tier text NOT NULL,
            hits bigint NOT NULL DEFAULT 0,
            misses bigint NOT NULL DEFAULT 0,
            errors bigint NOT NULL DEFAULT 0,
            bytes bigint NOT NULL DEFAULT 0,
            targets integer NOT NULL DEFAULT 0,
            target_hits integer NOT NULL DEFAULT 0,
            rootfs_targets integer NOT NULL DEFAULT 0,
            rootfs_hits integer NOT NULL DEFAULT 0,
            PRIMARY KEY (day, tier));
        CREATE OR REPLACE FUNCTION farm.rebuild_cache_days() RETURNS void LANGUAGE sql AS $$
            DELETE FROM farm.cache_days;
            INSERT INTO farm.cache_days (day, tier, hits, misses, errors, targets, target_hits, rootfs_targets, rootfs_hits)
            SELECT (t.finished AT TIME ZONE 'UTC')::date, '', sum(t.cache_hits), sum(t.cache_misses), sum(t.cache_errors), count(*),
                   count(*) FILTER (WHERE t.cached), count(t.rootfs_cached), count(*) FILTER (WHERE t.rootfs_cached)
            FROM farm.targets t WHERE t.finished IS NOT NULL AND t.state IN ('succeeded', 'failed') GROUP BY 1;
            INSERT INTO farm.cache_days (day, tier, hits, errors, bytes)
            SELECT (t.finished AT TIME ZONE 'UTC')::date, c.key, sum((c.value->>'hits')::bigint), sum((c.value->>'errors')::bigint), sum((c.value->>'bytes')::bigint)
            FROM farm.targets t CROSS JOIN LATERAL jsonb_each(t.cache_tiers) c
            WHERE t.finished IS NOT NULL AND t.state IN ('succeeded', 'failed') GROUP BY 1, 2;
        $$;
        SELECT farm.rebuild_cache_days();
        """,
    ]);
}

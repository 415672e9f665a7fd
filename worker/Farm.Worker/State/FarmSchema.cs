using Npgsql;

namespace Farm.Worker.State;

/// <summary>
/// The farm's own tables (schema <c>farm</c>), created and upgraded at start-up by whichever process starts first:
/// migrations run in order under an advisory lock, each once, recorded in <c>farm.schema_version</c>.
/// </summary>
public static class FarmSchema
{
    private const long MigrationLock = 0x6661726D; // "farm"

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE farm.builds (
            id text PRIMARY KEY,
            app text NOT NULL,
            kraftfile text NOT NULL,
            output text NOT NULL,
            scope text NOT NULL,
            created timestamptz NOT NULL,
            state text NOT NULL,
            index_digest text,
            reason text,
            publish_partial boolean NOT NULL DEFAULT false,
            signing_key_file text,
            finished timestamptz,
            git_url text,
            git_commit text,
            source_digest text,
            runtime text,
            open_targets integer NOT NULL);
        CREATE TABLE farm.targets (
            build_id text NOT NULL REFERENCES farm.builds(id) ON DELETE CASCADE,
            name text NOT NULL,
            target text NOT NULL,
            platform text NOT NULL,
            architecture text NOT NULL,
            queue text NOT NULL,
            state text NOT NULL,
            phase text,
            worker text,
            manifest_digest text,
            index_entry text,
            build_seconds double precision,
            boot_seconds double precision,
            cache_hits bigint NOT NULL DEFAULT 0,
            cache_misses bigint NOT NULL DEFAULT 0,
            cache_errors bigint NOT NULL DEFAULT 0,
            cached boolean NOT NULL DEFAULT false,
            reason text,
            started timestamptz,
            finished timestamptz,
            position integer NOT NULL,
            PRIMARY KEY (build_id, name));
        CREATE TABLE farm.logs (
            seq bigserial PRIMARY KEY,
            build_id text NOT NULL,
            name text NOT NULL,
            line text NOT NULL);
        CREATE INDEX logs_by_target ON farm.logs (build_id, name, seq);
        CREATE TABLE farm.sources (
            digest text PRIMARY KEY,
            archive bytea NOT NULL,
            created timestamptz NOT NULL DEFAULT now());
        CREATE TABLE farm.workers (
            name text PRIMARY KEY,
            queues text[] NOT NULL,
            capabilities text NOT NULL,
            started timestamptz NOT NULL,
            heartbeat timestamptz NOT NULL);
        """,
        """
        CREATE TABLE farm.github_deliveries (
            id text PRIMARY KEY,
            event text NOT NULL,
            received timestamptz NOT NULL,
            payload text NOT NULL,
            outcome text);
        CREATE TABLE farm.github_builds (
            build_id text PRIMARY KEY REFERENCES farm.builds(id) ON DELETE CASCADE,
            installation_id bigint,
            owner text NOT NULL,
            repo text NOT NULL,
            clone_url text NOT NULL,
            head_sha text NOT NULL,
            kraftfile text NOT NULL);
        CREATE TABLE farm.github_check_runs (
            build_id text NOT NULL REFERENCES farm.builds(id) ON DELETE CASCADE,
            target text NOT NULL,
            check_run_id bigint NOT NULL,
            status text NOT NULL,
            PRIMARY KEY (build_id, target));
        CREATE TABLE farm.catalog_runs (
            id text PRIMARY KEY,
            started timestamptz NOT NULL,
            repository text NOT NULL,
            trigger text NOT NULL,
            commit text,
            error text);
        CREATE TABLE farm.catalog_builds (
            run_id text NOT NULL REFERENCES farm.catalog_runs(id) ON DELETE CASCADE,
            kraftfile text NOT NULL,
            build_id text,
            error text,
            PRIMARY KEY (run_id, kraftfile));
        """,
        // GitHub's signature covers the body, not the delivery id: a signed body replayed under a new id is the same
        // delivery. Deliveries recorded before keep their hash only for the first of each body (a replay already
        // recorded would otherwise stop the unique index, and the farm, from starting).
        """
        ALTER TABLE farm.github_deliveries ADD COLUMN body_sha256 text;
        UPDATE farm.github_deliveries d SET body_sha256 = f.hash
        FROM (SELECT DISTINCT ON (hash) id, hash
              FROM (SELECT id, received, encode(sha256(convert_to(payload, 'UTF8')), 'hex') AS hash FROM farm.github_deliveries) h
              ORDER BY hash, received, id) f
        WHERE d.id = f.id;
        CREATE UNIQUE INDEX github_deliveries_by_body ON farm.github_deliveries (body_sha256);
        """,
        // A target given to a new job after its worker was lost counts up: an older job fetched again later is a no-op.
        // queued: since when a target waits (at planning, again when requeued), for Farm__Builds__QueueWaitMinutes. The index
        // finds the running targets of lost workers and the queued ones waiting for a worker, every second.
        """
        ALTER TABLE farm.targets ADD COLUMN attempt integer NOT NULL DEFAULT 0;
        ALTER TABLE farm.targets ADD COLUMN queued timestamptz NOT NULL DEFAULT now();
        CREATE INDEX targets_open ON farm.targets (state, queue) WHERE state IN ('queued','running');
        """,
        // Drain: set by the API (draining), confirmed by the worker once its job server has stopped with no target
        // running (drained), cleared by resume. It survives the worker's restart, so an upgraded worker takes no job
        // until it is resumed.
        """
        ALTER TABLE farm.workers ADD COLUMN drain text;
        """,
    ];

    public static async Task MigrateAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        await Execute(connection, "CREATE SCHEMA IF NOT EXISTS farm; CREATE TABLE IF NOT EXISTS farm.schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
        await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM farm.schema_version", connection);
        var version = (int)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        for (var next = version; next < Migrations.Length; next++)
        {
            await Execute(connection, Migrations[next], cancellationToken).ConfigureAwait(false);
            await Execute(connection, $"INSERT INTO farm.schema_version (version) VALUES ({next + 1})", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// The farm's own tables (schema <c>farm</c>), created and upgraded at start-up by whichever process starts first.
/// Each feature owns its tables as a <see cref="SchemaModule"/> (the core's builds, targets, logs and workers here; the
/// GitHub and catalog tables with those features in the farm); a module's migrations run in order under one advisory
/// lock, each once, recorded per module in <c>farm.schema_migrations</c>. Modules run in the order given, after the core
/// and the dashboard's columns and indexes (<see cref="DashboardSchema"/>), which the build store writes.
/// </summary>
public static class FarmSchema
{
    private const long MigrationLock = 0x6661726D; // "farm"

    /// <summary>How long a process waits for another's migration (a long one on a big database), not Npgsql's default 30 s.</summary>
    private const int LockTimeoutSeconds = 600;

    /// <summary>The builds, their targets and logs and the worker registry: every process needs these.</summary>
    public static readonly SchemaModule Core = new("core",
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
        // A target given to a new job after its worker was lost counts up: an older job fetched again later is a no-op.
        // queued: since when a target waits (at planning, again when requeued), for Farm__Builds__QueueWaitMinutes. The index
        // finds the running targets of lost workers and the queued ones waiting for a worker, every second.
        """
        ALTER TABLE farm.targets ADD COLUMN attempt integer NOT NULL DEFAULT 0;
        ALTER TABLE farm.targets ADD COLUMN queued timestamptz NOT NULL DEFAULT now();
        CREATE INDEX targets_open ON farm.targets (state, queue) WHERE state IN ('queued','running');
        """,
        // Uploaded sources live in the source store (Farm__Sources__Store) by digest; the database keeps digests only.
        // A build still open at the upgrade whose upload was only here fails naming the store.
        """
        DROP TABLE farm.sources;
        """,
        // Drain: set by the API (draining), confirmed by the worker once its job server has stopped with no target
        // running (drained), cleared by resume. It survives the worker's restart, so an upgraded worker takes no job
        // until it is resumed.
        """
        ALTER TABLE farm.workers ADD COLUMN drain text;
        """,
        // The planned target (Farm.Core.Planning.TargetPlan as JSON), which its job builds as planned. Null for targets an
        // older farm planned: a worker fails those naming the upgrade order instead of planning them again.
        """
        ALTER TABLE farm.targets ADD COLUMN plan text;
        """,
    ]);

    /// <summary>
    /// Before modules, one list numbered the migrations of every feature (<c>farm.schema_version</c>): what each of
    /// those numbers became, so that a database made then is upgraded, not migrated twice.
    /// </summary>
    private static readonly (int Legacy, string Module, int Version)[] LegacyVersions =
        [(1, "core", 1), (2, "github", 1), (2, "catalog", 1), (3, "github", 2), (4, "core", 2)];

    /// <summary>Creates or upgrades the core's tables and then each module's, in one transaction.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource database, CancellationToken cancellationToken, params SchemaModule[] features)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(features);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var modules = features.Prepend(SignalSchema.Module).Prepend(DashboardSchema.Module).Prepend(Core).ToList();

        // Many workers starting at once against a current database need no lock: they would otherwise queue on it, one
        // migration check after another (32 at once outlived Npgsql's 30 s command timeout at load 45).
        if (await IsCurrentAsync(connection, modules, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken, LockTimeoutSeconds).ConfigureAwait(false);
        await Execute(connection, "CREATE SCHEMA IF NOT EXISTS farm", cancellationToken).ConfigureAwait(false);
        await ImportLegacyVersionsAsync(connection, cancellationToken).ConfigureAwait(false);
        foreach (var module in modules)
        {
            await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM farm.schema_migrations WHERE module = $1", connection) { Parameters = { new() { Value = module.Name } } };
            var version = (int)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (version > module.Migrations.Count)
            {
                throw new InvalidOperationException($"the database's {module.Name} tables are at version {version}, newer than this program knows ({module.Migrations.Count}): upgrade this program");
            }

            for (var next = version; next < module.Migrations.Count; next++)
            {
                await Execute(connection, module.Migrations[next], cancellationToken).ConfigureAwait(false);
                await using var record = new NpgsqlCommand("INSERT INTO farm.schema_migrations (module, version) VALUES ($1, $2)", connection) { Parameters = { new() { Value = module.Name }, new() { Value = next + 1 } } };
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether every module's tables are at this program's version (then there is nothing to migrate or lock).</summary>
    private static async Task<bool> IsCurrentAsync(NpgsqlConnection connection, IReadOnlyList<SchemaModule> modules, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass('farm.schema_migrations') IS NOT NULL", connection);
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
        {
            return false;
        }

        await using var versions = new NpgsqlCommand("SELECT module, max(version) FROM farm.schema_migrations GROUP BY module", connection);
        var current = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var reader = await versions.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                current[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        return modules.All(m => current.TryGetValue(m.Name, out var version) && version == m.Migrations.Count);
    }

    /// <summary>Creates <c>farm.schema_migrations</c>; a database numbered the old way has its numbers carried over, once.</summary>
    private static async Task ImportLegacyVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass('farm.schema_migrations') IS NOT NULL, to_regclass('farm.schema_version') IS NOT NULL", connection);
        bool modules, legacy;
        await using (var reader = await exists.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (modules, legacy) = (reader.GetBoolean(0), reader.GetBoolean(1));
        }

        if (modules)
        {
            return;
        }

        await Execute(connection, "CREATE TABLE farm.schema_migrations (module text NOT NULL, version integer NOT NULL, applied timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, version))", cancellationToken).ConfigureAwait(false);
        if (!legacy)
        {
            return;
        }

        await using var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM farm.schema_version", connection);
        var applied = (int)(await max.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        foreach (var (_, module, version) in LegacyVersions.Where(l => l.Legacy <= applied))
        {
            await using var record = new NpgsqlCommand("INSERT INTO farm.schema_migrations (module, version) VALUES ($1, $2)", connection) { Parameters = { new() { Value = module }, new() { Value = version } } };
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await Execute(connection, "DROP TABLE farm.schema_version", cancellationToken).ConfigureAwait(false);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, int? timeoutSeconds = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (timeoutSeconds is { } seconds)
        {
            command.CommandTimeout = seconds;
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

using Farm.Catalog;
using Farm.GitHub;
using Farm.State.Postgres;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.State;

/// <summary>Feature-owned migrations in real PostgreSQL: each module once, a worker's core-only migrate beside the farm's, old databases upgraded.</summary>
public sealed class FarmSchemaTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrate_FarmAndWorkerAtOnce_EachModuleOnce_WorkerMakesNoFeatureTables()
    {
        var worker = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await FarmSchema.MigrateAsync(worker, Ct);
        Assert.Empty(await TablesAsync(worker, "github_%"));

        var farm = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await Task.WhenAll(
            FarmSchema.MigrateAsync(farm, Ct, GitHubSchema.Module, CatalogSchema.Module),
            FarmSchema.MigrateAsync(farm, Ct));
        await FarmSchema.MigrateAsync(farm, Ct, GitHubSchema.Module, CatalogSchema.Module);

        Assert.Equal(["core:1", "core:2", "core:3", "core:4", "core:5", "catalog:1", "dashboard:1", "dashboard:2", "dashboard:3", "github:1", "github:2", "signals:1"], await VersionsAsync(farm));
        Assert.Equal(["github_builds", "github_check_runs", "github_deliveries"], await TablesAsync(farm, "github_%"));
        Assert.Equal(["catalog_builds", "catalog_runs"], await TablesAsync(farm, "catalog_%"));
    }

    [Fact]
    public async Task Migrate_DatabaseNumberedTheOldWay_CarriesItsVersionsOver_AndRunsNothingTwice()
    {
        var database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        // A database made before modules at its third migration: core 1, the GitHub and catalog tables, the body hash.
        await FarmSchema.MigrateAsync(database, Ct, GitHubSchema.Module, CatalogSchema.Module);
        await ExecuteAsync(database, """
            ALTER TABLE farm.targets DROP COLUMN attempt; ALTER TABLE farm.targets DROP COLUMN queued; DROP INDEX farm.targets_open; ALTER TABLE farm.workers DROP COLUMN drain; ALTER TABLE farm.targets DROP COLUMN plan;
            CREATE TABLE farm.sources (digest text PRIMARY KEY, archive bytea NOT NULL, created timestamptz NOT NULL DEFAULT now());
            DROP TABLE farm.schema_migrations;
            CREATE TABLE farm.schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());
            INSERT INTO farm.schema_version (version) VALUES (1), (2), (3);
            """);

        await FarmSchema.MigrateAsync(database, Ct, GitHubSchema.Module, CatalogSchema.Module);

        Assert.Equal(["core:1", "core:2", "core:3", "core:4", "core:5", "catalog:1", "dashboard:1", "dashboard:2", "dashboard:3", "github:1", "github:2", "signals:1"], await VersionsAsync(database));
        Assert.Empty(await TablesAsync(database, "schema_version"));
        Assert.Empty(await TablesAsync(database, "sources"));
        // Core's second migration ran now (the old fourth): the columns it adds are back.
        await ExecuteAsync(database, "SELECT attempt, queued, plan FROM farm.targets");
    }

    [Fact]
    public async Task Migrate_CurrentDatabaseWhileAnotherProcessHoldsTheMigrationLock_ReturnsWithoutWaiting()
    {
        // Many workers start at once: against a current database none of them may queue on the migration lock.
        var database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await FarmSchema.MigrateAsync(database, Ct);
        await using var holder = await database.OpenConnectionAsync(Ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(1717662317)", holder))
        {
            await take.ExecuteNonQueryAsync(Ct);
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        await FarmSchema.MigrateAsync(database, bound.Token);

        // A database that does need migrating still waits for the lock (and so migrates once).
        await ExecuteAsync(database, "DELETE FROM farm.schema_migrations WHERE module = 'signals'");
        using var shortly = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        shortly.CancelAfter(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FarmSchema.MigrateAsync(database, shortly.Token));
    }

    [Fact]
    public async Task Migrate_DatabaseNewerThanTheProgram_RefusesNamingTheModule()
    {
        var database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await FarmSchema.MigrateAsync(database, Ct);
        await ExecuteAsync(database, "INSERT INTO farm.schema_migrations (module, version) VALUES ('core', 99)");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => FarmSchema.MigrateAsync(database, Ct));

        Assert.Contains("core tables are at version 99", refused.Message, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<List<string>> VersionsAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT module || ':' || version FROM farm.schema_migrations ORDER BY module <> 'core', module, version");
        return await ReadAsync(command);
    }

    private static async Task<List<string>> TablesAsync(NpgsqlDataSource database, string like)
    {
        await using var command = database.CreateCommand($"SELECT tablename FROM pg_tables WHERE schemaname = 'farm' AND tablename LIKE '{like}' ORDER BY tablename");
        return await ReadAsync(command);
    }

    private static async Task<List<string>> ReadAsync(NpgsqlCommand command)
    {
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}

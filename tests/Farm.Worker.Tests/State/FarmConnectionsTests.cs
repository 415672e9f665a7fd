using Farm.State.Postgres;
using Farm.State.Settings;
using Farm.Tests.Support;
using Hangfire;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>
/// What a database administrator sees of a serving process in <c>pg_stat_activity</c>: every connection it opens,
/// Hangfire's included, comes from its one pool and carries its name; a connection string's own settings are kept.
/// </summary>
public sealed class FarmConnectionsTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServingProcess_EveryConnectionItHolds_IsFromItsOnePoolAndCarriesItsName()
    {
        var connection = await server.CreateDatabaseAsync();
        await using var database = FarmConnections.Open(connection, "farm worker w1");
        await FarmSchema.MigrateAsync(database, Ct);
        var store = new PostgresBuildStore(database);
        var storage = await FarmHangfireStorage.CreateServingAsync(new HangfireOptions(), store.Listener, ["connections-test"], Ct);
        await using (store)
        using (new BackgroundJobServer(new BackgroundJobServerOptions { ServerName = "w1", Queues = ["connections-test"], WorkerCount = 4 }, storage))
        {
            await using var probe = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { ApplicationName = "probe" }.ConnectionString);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((long)(await Scalar(probe, "SELECT count(*) FROM hangfire.server"))! == 0 || store.Listener.ProcessId == 0)
            {
                Assert.True(DateTime.UtcNow < until, "the Hangfire server never announced itself");
                await Task.Delay(100, Ct);
            }

            await Task.Delay(500, Ct);
            var names = (string)(await Scalar(probe, "SELECT string_agg(DISTINCT application_name, ',') FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()"))!;

            Assert.Equal("farm worker w1", names);
        }
    }

    [Fact]
    public void Open_ConnectionStringThatSetsItsOwn_KeepsThem_ElseTheFarmsDefaults()
    {
        const string plain = "Host=127.0.0.1;Port=5432;Username=postgres";

        var defaults = new NpgsqlConnectionStringBuilder(FarmConnections.Open(plain, "farm").ConnectionString);
        var own = new NpgsqlConnectionStringBuilder(FarmConnections.Open(plain + ";Application Name=mine;Connection Idle Lifetime=15", "farm").ConnectionString);

        Assert.Equal(("farm", FarmConnections.IdleLifetimeSeconds, true), (defaults.ApplicationName, defaults.ConnectionIdleLifetime, defaults.NoResetOnClose));
        Assert.Equal(("mine", 15), (own.ApplicationName, own.ConnectionIdleLifetime));
    }

    private static async Task<object?> Scalar(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return await command.ExecuteScalarAsync(Ct);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Farm.State.Postgres;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>
/// A starting process's first contact with the database (<see cref="DatabaseStart"/>), against real PostgreSQL: a
/// server that does not answer in time is tried again until it does, a wait ends with the last reason, and a permanent
/// failure is not retried.
/// </summary>
public sealed class DatabaseStartTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DatabaseSilentAtFirst_StartTriesAgain_UntilItAnswersAndTheSchemaIsMade()
    {
        var real = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync());
        // Accepts connections but answers none for 3 s (as a server, or a host, too busy to answer), then forwards them.
        await using var gate = SilentGate.Start(real.Port, TimeSpan.FromSeconds(3));
        var through = new NpgsqlConnectionStringBuilder(real.ConnectionString) { Port = gate.Port, Timeout = 1 };
        await using var database = FarmConnections.Open(through.ConnectionString);
        var retries = new List<string>();

        await DatabaseStart.MigrateAsync(database, TimeSpan.FromMinutes(1), (why, _) => retries.Add(why), Ct);

        Assert.NotEmpty(retries);
        await using var direct = FarmConnections.Open(real.ConnectionString);
        await using var count = direct.CreateCommand("SELECT count(*) FROM farm.builds");
        Assert.Equal(0L, await count.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task NothingListening_TheWaitEnds_WithTheLastReason()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closed = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var database = FarmConnections.Open($"Host=127.0.0.1;Port={closed};Username=postgres;Timeout=1");
        var retries = 0;
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => DatabaseStart.MigrateAsync(database, TimeSpan.FromSeconds(3), (_, _) => retries++, Ct));

        Assert.True(retries >= 1, $"tried again {retries} times");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"a 3 s wait ended after {clock.Elapsed}");
        Assert.True(error.IsTransient, error.ToString());
    }

    [Fact]
    public async Task NoSuchDatabase_IsNotTriedAgain()
    {
        var missing = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "no_such_database" };
        await using var database = FarmConnections.Open(missing.ConnectionString);
        var retries = 0;

        var error = await Assert.ThrowsAsync<PostgresException>(() => DatabaseStart.MigrateAsync(database, TimeSpan.FromMinutes(1), (_, _) => retries++, Ct));

        Assert.Equal(PostgresErrorCodes.InvalidCatalogName, error.SqlState);
        Assert.Equal(0, retries);
    }

    /// <summary>A loopback TCP gate: connections before <c>opensAfter</c> are held open and never answered; later ones are piped to <c>target</c>.</summary>
    private sealed class SilentGate : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private Task _loop = Task.CompletedTask;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static SilentGate Start(int target, TimeSpan opensAfter)
        {
            var gate = new SilentGate();
            gate._listener.Start();
            gate._loop = gate.AcceptAsync(target, opensAfter);
            return gate;
        }

        private async Task AcceptAsync(int target, TimeSpan opensAfter)
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    if (_clock.Elapsed < opensAfter)
                    {
                        _held.Add(client);
                        continue;
                    }

                    _ = PipeAsync(client, target);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task PipeAsync(TcpClient client, int target)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                try
                {
                    await upstream.ConnectAsync(IPAddress.Loopback, target, _stop.Token);
                    await Task.WhenAny(client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token), upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token));
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _listener.Stop();
            _held.ForEach(c => c.Dispose());
            _stop.Dispose();
        }
    }
}

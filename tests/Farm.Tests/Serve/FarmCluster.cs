using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Farm.Cli;
using Farm.Tests.Shared;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// A farm as deployed, for one test: a database of its own on the shared PostgreSQL, <c>farm serve</c> and any
/// number of <c>worker serve</c> processes (each with its own cache directory), and an API client with the token.
/// Workers and the farm can be killed and restarted; everything is killed on dispose.
/// </summary>
internal sealed class FarmCluster : IAsyncDisposable
{
    public const string Token = "test-token-0123456789";

    /// <summary>
    /// The tests' git sources are repositories in temporary directories, over file://: allowed explicitly, to the farm
    /// and its workers alike, as an operator would (the default allows https, ssh and git@ only).
    /// </summary>
    public static readonly string TemporaryFileSources = $"file://{Path.GetTempPath().TrimEnd('/')}/*";
    private readonly Dictionary<string, ServiceProcess> _workers = [];
    private readonly string _work;
    private readonly string _database;
    private readonly int _port;
    private ServiceProcess? _farm;
    private (string Name, string Value)[] _farmEnvironment = [];
    private bool _defaultSources;

    private FarmCluster(string work, string database, int port)
    {
        _work = work;
        _database = database;
        _port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public HttpClient Http { get; }

    /// <summary>
    /// A client that waits for the farm's 100 Continue (or its refusal) however loaded the machine is: .NET's default
    /// sends the body anyway after one second, and then meets the 413's closed connection as a broken pipe.
    /// </summary>
    public HttpClient PatientClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = Http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = Http.DefaultRequestHeaders.Authorization;
        return client;
    }

    /// <summary>Seconds before a killed worker's job is fetched again (the farm's default is minutes; tests are short).</summary>
    public int InvisibilitySeconds { get; init; } = 10;

    public IReadOnlyDictionary<string, ServiceProcess> Workers => _workers;

    /// <summary>What <c>farm serve</c> printed (for failure messages).</summary>
    public string FarmOutput => _farm?.Output ?? string.Empty;

    /// <summary>The farm's database (for tests that look at what it recorded).</summary>
    public string Database => _database;

    /// <param name="farmEnvironment">More settings for <c>farm serve</c> (GitHub, the catalog).</param>
    public static Task<FarmCluster> StartAsync(PostgresServer postgres, string work, CancellationToken ct, params (string Name, string Value)[] farmEnvironment) =>
        StartAsync(postgres, work, FreePort(), ct, farmEnvironment);

    /// <summary>A farm (and its workers) on the default allow-list: no file:// sources (attack tests).</summary>
    public static async Task<FarmCluster> StartWithDefaultSourcesAsync(PostgresServer postgres, string work, CancellationToken ct)
    {
        var cluster = new FarmCluster(work, await postgres.CreateDatabaseAsync(), FreePort()) { _defaultSources = true };
        await cluster.StartFarmAsync(ct);
        return cluster;
    }

    /// <param name="port">The farm's port on 127.0.0.1 (when a setting must name the farm's URL).</param>
    public static async Task<FarmCluster> StartAsync(PostgresServer postgres, string work, int port, CancellationToken ct, params (string Name, string Value)[] farmEnvironment)
    {
        var cluster = new FarmCluster(work, await postgres.CreateDatabaseAsync(), port) { _farmEnvironment = farmEnvironment };
        await cluster.StartFarmAsync(ct);
        return cluster;
    }

    public async Task StartFarmAsync(CancellationToken ct)
    {
        _farm = await ServiceProcess.StartAsync(
            typeof(FarmCli).Assembly.Location,
            ["serve", "--urls", $"http://127.0.0.1:{_port}"],
            [.. Common(), ("Farm__ApiTokens__0", Token), ("Farm__CacheDirectory", Path.Combine(_work, "farm-cache")), .. _farmEnvironment],
            "listening on",
            ct);
    }

    public async Task KillFarmAsync()
    {
        await _farm!.DisposeAsync();
        _farm = null;
    }

    /// <summary>Starts a worker serving <paramref name="queues"/>; <paramref name="environment"/> adds settings (FARM_CACHE_*, ConnectionStrings__Redis).</summary>
    public async Task StartWorkerAsync(string name, string[] queues, CancellationToken ct, params (string Name, string Value)[] environment)
    {
        // The worker as built in its own project (its dependencies differ from the farm host's, which this test binary has).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var worker = Path.Combine(ProjectReferences.RepositoryRoot(), "worker", "Farm.Worker", "bin", configuration, "net10.0", "worker.dll");
        var settings = Common().Concat([("Farm__Worker__Name", name), ("Farm__Worker__CacheDirectory", Path.Combine(_work, name))])
            .Concat(queues.Select((q, i) => ($"Farm__Worker__Queues__{i}", q)))
            .Concat(environment);
        _workers[name] = await ServiceProcess.StartAsync(worker, ["serve"], settings, "serving", ct);
    }

    /// <summary>SIGKILL, with everything the worker started (make, QEMU): a machine lost mid-build.</summary>
    public async Task KillWorkerAsync(string name)
    {
        await _workers[name].DisposeAsync();
        _workers.Remove(name);
    }

    /// <summary>farm-cc as the solution built it (the JIT build: the NativeAOT one only starts faster).</summary>
    public static string FarmCc()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        return "dotnet " + Path.Combine(ProjectReferences.RepositoryRoot(), "cache", "Farm.Cache.Cc", "bin", configuration, "net10.0", "farm-cc.dll");
    }

    public async Task<string> SubmitAsync(string gitUrl, string commit, string kraftfile, string image, string[] targets, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new { source = new { git = gitUrl, commit }, kraftfile, image, targets });
        var response = await Http.PostAsync("/api/builds", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        var json = await JsonAsync(response, ct);
        return response.StatusCode == HttpStatusCode.Accepted ? json.GetProperty("id").GetString()! : throw new InvalidOperationException($"submit: {response.StatusCode} {json}");
    }

    public async Task<JsonElement> GetAsync(string id, CancellationToken ct) => await JsonAsync(await Http.GetAsync($"/api/builds/{id}", ct), ct);

    /// <summary>Polls until the build is final (or the deadline passes, when the last state is returned).</summary>
    /// <summary>Reads the database itself (the farm may be down) until every target of the build is final; 5 minutes at most.</summary>
    public async Task WaitForFinalTargetsAsync(string id, CancellationToken ct)
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(_database);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            await using var command = database.CreateCommand("SELECT count(*) FILTER (WHERE state NOT IN ('succeeded','failed','skipped','cancelled')), count(*) FROM farm.targets WHERE build_id = $1");
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetInt64(1) > 0 && reader.GetInt64(0) == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"build {id}: {reader.GetInt64(0)} of {reader.GetInt64(1)} targets still open after 5 minutes");
            }

            await Task.Delay(250, ct);
        }
    }

    /// <summary>The farm database's size on disk, in bytes (PostgreSQL's own count: tables, indexes, TOAST).</summary>
    public async Task<long> DatabaseSizeAsync(CancellationToken ct)
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(_database);
        await using var command = database.CreateCommand("SELECT pg_database_size(current_database())");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task<JsonElement> WaitAsync(string id, CancellationToken ct, int minutes = 5)
    {
        var deadline = DateTime.UtcNow.AddMinutes(minutes);
        while (true)
        {
            JsonElement build;
            try
            {
                build = await GetAsync(id, ct);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
                continue;
            }

            // Many builds polled at once pass the API's rate limit (429, no state): wait for the next minute's tokens.
            if (!build.TryGetProperty("state", out _) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000, ct);
                continue;
            }

            if (build.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled" || DateTime.UtcNow > deadline)
            {
                return build;
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>Waits until a target of the build is in <paramref name="phase"/>; returns the worker running it.</summary>
    public async Task<string> WaitForPhaseAsync(string id, string phase, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            // No targets while the build is resolving (its commit fetched, its Kraftfile planned).
            if ((await GetAsync(id, ct)).GetProperty("targets") is { } targets && targets.GetArrayLength() > 0 && targets[0] is var target
                && target.GetProperty("phase").GetString() == phase)
            {
                return target.GetProperty("worker").GetString()!;
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"build {id} never reached {phase}: {await GetAsync(id, ct)}");
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, CancellationToken ct) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers.Values)
        {
            await worker.DisposeAsync();
        }

        if (_farm is not null)
        {
            await _farm.DisposeAsync();
        }

        Http.Dispose();
    }

    private IEnumerable<(string, string)> Common() =>
    [
        ("ConnectionStrings__Postgres", _database),
        ("XDG_CACHE_HOME", Path.Combine(_work, "xdg")),
        ("Farm__Hangfire__InvisibilitySeconds", InvisibilitySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("FARM_CC", FarmCc()),
        .. _defaultSources ? Array.Empty<(string, string)>() : [("Farm__Sources__Allow__0", TemporaryFileSources)],
    ];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

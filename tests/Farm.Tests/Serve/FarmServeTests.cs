using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Farm.Cli;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Shared;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// The farm as it is deployed: <c>farm serve</c> and two <c>worker serve</c> processes with different queues, on a
/// real PostgreSQL and a real registry. A build submitted through the API fans out to the workers that serve each
/// target's queue, and fans in to one index in the registry.
/// </summary>
public sealed class FarmServeTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private const string Token = "test-token-0123456789";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-serve-").FullName;
    private readonly List<IAsyncDisposable> _services = [];
    private HttpClient _http = new();
    private string _commit = string.Empty;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // The source: a git repository holding an app and the fixture core, as a user's repository would.
        var source = Path.Combine(_work, "src");
        CopyDirectory(Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld"), Path.Combine(source, "helloworld"));
        CopyDirectory(Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "fixture-core"), Path.Combine(source, "fixture-core"));
        CopyDirectory(Path.Combine(ProjectReferences.RepositoryRoot(), "tests", "Farm.Worker.Tests", "Apps", "hang"), Path.Combine(source, "hang"));
        File.WriteAllText(Path.Combine(source, "hang", "Kraftfile"), "spec: v0.6\nname: hang\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\nx-farm:\n  smoke:\n    timeout: 10m\n");
        Directory.CreateDirectory(Path.Combine(source, "broken"));
        File.WriteAllText(Path.Combine(source, "broken", "Kraftfile"), "spec: v0.6\nname: broken\nunikraft: ../fixture-core\ntargets:\n- qemu/x87\n");
        await Git(source, "init", "-q");
        await Git(source, "add", "-A");
        await Git(source, "-c", "user.email=farm@example.invalid", "-c", "user.name=farm", "commit", "-qm", "apps");
        _commit = (await Git(source, "rev-parse", "HEAD")).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        _http.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Build_FansOutToTheWorkersThatServeEachQueue_AndPublishesOneIndex()
    {
        var registry = await StartAsync();
        var image = $"{registry.Host}/apps/hello:v1";

        var unauthorised = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/builds") { Content = Body(image, ["qemu/x86_64"]) }, Ct);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var submitted = await _http.PostAsync("/api/builds", Body(image, ["qemu/x86_64", "qemu/arm64", "linuxu/x86_64"]), Ct);
        var id = (await Json(submitted)).GetProperty("id").GetString()!;
        var build = await WaitAsync(id);
        var log = await _http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/arm64", Ct);
        var workers = await Json(await _http.GetAsync("/api/workers", Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var targets = build.GetProperty("targets").EnumerateArray().ToDictionary(t => $"{t.GetProperty("platform").GetString()}/{t.GetProperty("architecture").GetString()}");
        Assert.Equal("x86", targets["qemu/x86_64"].GetProperty("worker").GetString());
        Assert.Equal("x86", targets["linuxu/x86_64"].GetProperty("worker").GetString());
        Assert.Equal("arm", targets["qemu/arm64"].GetProperty("worker").GetString());
        Assert.Contains("data: farm: helloworld_qemu-arm64: smoke test passed", log, StringComparison.Ordinal);
        Assert.EndsWith("event: end\ndata: \n\n", log, StringComparison.Ordinal);
        Assert.Equal(["arm", "x86"], workers.EnumerateArray().Select(w => w.GetProperty("name").GetString()).Order());

        // The registry holds the index the API reports, listing the three manifests.
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hello");
        var fetched = await repository.TryGetManifestAsync("v1", Ct);
        Assert.Equal(build.GetProperty("indexDigest").GetString(), Digest.Of(fetched!.Bytes).Value);
        Assert.Equal(targets.Values.Select(t => t.GetProperty("manifestDigest").GetString()).Order(), ImageIndex.Parse(fetched.Bytes).Manifests.Select(m => m.Digest.Value).Order());
    }

    [Fact]
    public async Task Cancel_ARunningBuild_StopsItsTarget_AndPublishesNothing()
    {
        var registry = await StartAsync();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var id = (await Json(await _http.PostAsync("/api/builds", Body($"{registry.Host}/apps/hang:v1", [], "hang/Kraftfile"), Ct))).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await Json(await _http.GetAsync($"/api/builds/{id}", Ct))).GetProperty("targets")[0].GetProperty("phase").GetString() != "smoke" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        var cancelled = await _http.PostAsync($"/api/builds/{id}/cancel", null, Ct);
        var again = await _http.PostAsync($"/api/builds/{id}/cancel", null, Ct);
        var build = await WaitAsync(id);
        var log = await _http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/x86_64", Ct);

        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("cancelled", build.GetProperty("state").GetString());
        Assert.Equal("cancelled", build.GetProperty("targets")[0].GetProperty("state").GetString());
        Assert.Contains("booting on", log, StringComparison.Ordinal);
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hang");
        Assert.Null(await repository.TryGetManifestAsync("v1", Ct));

        // The worker stopped the boot instead of waiting out the 10 minute smoke timeout: it takes the next job.
        var next = (await Json(await _http.PostAsync("/api/builds", Body($"{registry.Host}/apps/hello:v1", ["qemu/x86_64"]), Ct))).GetProperty("id").GetString()!;
        Assert.Equal("succeeded", (await WaitAsync(next)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Submit_BadRequests_Get400WithTheReason_AndNothingIsBuilt()
    {
        var registry = await StartAsync();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var notJson = await _http.PostAsync("/api/builds", new StringContent("{", Encoding.UTF8, "application/json"), Ct);
        var noImage = await _http.PostAsync("/api/builds", new StringContent($"{{\"source\":{{\"git\":\"file://{_work}/src\",\"commit\":\"{_commit}\"}}}}", Encoding.UTF8, "application/json"), Ct);
        var badKraftfile = await _http.PostAsync("/api/builds", Body($"{registry.Host}/apps/broken:v1", [], "broken/Kraftfile"), Ct);
        var unknownCommit = await _http.PostAsync("/api/builds", Body($"{registry.Host}/apps/x:v1", [], commit: new string('0', 40)), Ct);
        var unknownBuild = await _http.GetAsync("/api/builds/nope", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("not JSON", (await Json(notJson)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noImage.StatusCode);
        Assert.Contains("image", (await Json(noImage)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badKraftfile.StatusCode);
        var errors = (await Json(badKraftfile)).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith("broken/Kraftfile:5:", StringComparison.Ordinal) && e.Contains("x87", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, unknownCommit.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownBuild.StatusCode);
    }

    private async Task<RegistryServer> StartAsync()
    {
        var registry = await RegistryServer.StartAsync(ct: Ct);
        _services.Add(registry);
        var database = await postgres.CreateDatabaseAsync();
        var port = FreePort();
        (string, string)[] common = [("ConnectionStrings__Postgres", database), ("XDG_CACHE_HOME", Path.Combine(_work, "cache"))];
        _services.Add(await ServiceProcess.StartAsync(
            typeof(FarmCli).Assembly.Location,
            ["serve", "--urls", $"http://127.0.0.1:{port}"],
            [.. common, ("Farm__ApiTokens__0", Token), ("Farm__CacheDirectory", Path.Combine(_work, "farm-cache"))],
            "listening on",
            Ct));
        // The worker as built in its own project (its dependencies differ from the farm host's, which this test binary has).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var worker = Path.Combine(ProjectReferences.RepositoryRoot(), "worker", "Farm.Worker", "bin", configuration, "net10.0", "worker.dll");
        _services.Add(await ServiceProcess.StartAsync(worker, ["serve"], [.. common, ("Farm__Worker__Name", "x86"), ("Farm__Worker__Queues__0", "qemu-x86_64"), ("Farm__Worker__Queues__1", "linuxu-x86_64"), ("Farm__Worker__CacheDirectory", Path.Combine(_work, "x86"))], "serving", Ct));
        _services.Add(await ServiceProcess.StartAsync(worker, ["serve"], [.. common, ("Farm__Worker__Name", "arm"), ("Farm__Worker__Queues__0", "qemu-arm64"), ("Farm__Worker__CacheDirectory", Path.Combine(_work, "arm"))], "serving", Ct));
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        return registry;
    }

    private async Task<JsonElement> WaitAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var build = await Json(await _http.GetAsync($"/api/builds/{id}", Ct));
            if (build.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled" || DateTime.UtcNow > deadline)
            {
                return build;
            }

            await Task.Delay(200, Ct);
        }
    }

    private StringContent Body(string image, string[] targets, string kraftfile = "helloworld/Kraftfile", string? commit = null) =>
        new(JsonSerializer.Serialize(new
        {
            source = new { git = $"file://{_work}/src", commit = commit ?? _commit },
            kraftfile,
            image,
            targets,
        }), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

    private static async Task<string> Git(string directory, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {await process.StandardError.ReadToEndAsync(Ct)}");
        return output;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Serve;
using Farm.Tests.Support;

namespace Farm.Tests.Operations;

/// <summary>
/// A served farm with every secret an operator configures (API token, metrics token, signing key, registry password,
/// GitHub App key, webhook secret), its logs in JSON at the most verbose level, two real builds on a worker that serves
/// its own <c>/metrics</c>: the series a user checks after a build have the build's numbers, and no secret appears in
/// anything the farm or the worker printed.
/// </summary>
public sealed class ServedOperationsTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private const string MetricsToken = "metrics-token-5f1c0e9a7b3d2e48";
    private const string WebhookSecret = "webhook-secret-8d3e1f0a9c7b6e25";
    private const string RegistryUser = "farm";
    private const string RegistryPassword = "registry-password-4b7e0c1d9a2f";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-ops-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ServedBuilds_AreCountedInTheFarmsAndWorkersMetrics_AndNoConfiguredSecretIsLogged()
    {
        var source = await SourceRepository.CreateAsync(Path.Combine(_work, "src"), withHelloworld: true, Ct, ("again", SourceRepository.HelloworldWith("spec: v0.6\nname: again\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\n")));
        await using var tokens = await TokenServer.StartAsync(RegistryUser, RegistryPassword, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        var dockerAuth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryUser}:{RegistryPassword}"));
        var dockerConfig = Directory.CreateDirectory(Path.Combine(_work, "docker")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dockerConfig, "config.json"), JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [registry.Host] = new { auth = dockerAuth } } }), Ct);
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signingPem = signing.ExportPkcs8PrivateKeyPem();
        await File.WriteAllTextAsync(Path.Combine(_work, "signing.pem"), signingPem, Ct);
        using var app = RSA.Create(2048);
        var appPem = app.ExportPkcs8PrivateKeyPem();
        await File.WriteAllTextAsync(Path.Combine(_work, "app.pem"), appPem, Ct);
        (string, string)[] verbose = [("Farm__Logging__Json", "true"), ("Logging__LogLevel__Default", "Debug"), ("DOCKER_CONFIG", dockerConfig)];
        await using var farm = await FarmCluster.StartAsync(
            postgres,
            _work,
            Ct,
            [.. verbose,
            ("Farm__Metrics__Token", MetricsToken),
            ("Farm__Signing__KeyFile", Path.Combine(_work, "signing.pem")),
            ("Farm__GitHub__WebhookSecret", WebhookSecret),
            ("Farm__GitHub__Images", $"{registry.Host}/gh"),
            ("Farm__GitHub__App__AppId", "12345"),
            ("Farm__GitHub__App__PrivateKeyFile", Path.Combine(_work, "app.pem")),
            ("Farm__GitHub__App__ApiBaseUrl", "http://127.0.0.1:9/")]);
        var metricsPort = FreePort();
        await farm.StartWorkerAsync("x86", ["qemu-x86_64", "linuxu-x86_64"], Ct, [.. verbose, ("Farm__Worker__MetricsUrl", $"http://127.0.0.1:{metricsPort}/metrics")]);
        using var scraper = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken);
        using var workerScraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        var before = await scraper.GetStringAsync("/metrics", Ct);

        var first = await farm.WaitAsync(await farm.SubmitAsync(source.Url, source.Commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:v1", ["qemu/x86_64", "linuxu/x86_64"], Ct), Ct);
        var second = await farm.WaitAsync(await farm.SubmitAsync(source.Url, source.Commit, "again/Kraftfile", $"{registry.Host}/apps/again:v1", ["qemu/x86_64"], Ct), Ct);
        // Attempts an operator's logs would record: a token one character off, an unsigned webhook, a scrape without the token.
        using var guesser = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FarmCluster.Token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/workers", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.PostAsync("/api/github/webhooks", new StringContent("{}", Encoding.UTF8, "application/json"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/metrics", Ct)).StatusCode);

        Assert.True(first.GetProperty("state").GetString() == "succeeded", first.ToString());
        Assert.True(second.GetProperty("state").GetString() == "succeeded", second.ToString());
        var targets = first.GetProperty("targets").EnumerateArray().Concat(second.GetProperty("targets").EnumerateArray()).ToList();
        var hits = targets.Sum(t => t.GetProperty("cache").GetProperty("hits").GetInt64());
        var misses = targets.Sum(t => t.GetProperty("cache").GetProperty("misses").GetInt64());

        // The farm reads completions a few seconds behind now (so none is skipped): wait for the three targets and two builds.
        var after = await ScrapeUntilAsync(scraper, text => PrometheusText.Sum(text, "farm_targets_finished_total") >= 3 && PrometheusText.Sum(text, "farm_build_duration_seconds_count") >= 2);
        Assert.Equal(0, PrometheusText.Sum(before, "farm_targets", ("state", "succeeded")));
        Assert.Equal(3, PrometheusText.Sum(after, "farm_targets", ("state", "succeeded")));
        Assert.Equal(2, PrometheusText.Sum(after, "farm_builds", ("state", "succeeded")));
        Assert.Equal(2, PrometheusText.Sum(after, "farm_targets_finished_total", ("queue", "qemu-x86_64"), ("state", "succeeded")));
        Assert.Equal(1, PrometheusText.Sum(after, "farm_targets_finished_total", ("queue", "linuxu-x86_64"), ("state", "succeeded")));
        Assert.Equal(2, PrometheusText.Sum(after, "farm_target_boot_seconds_count", ("queue", "qemu-x86_64")));
        Assert.Equal(2, PrometheusText.Sum(after, "farm_target_pickup_seconds_count", ("queue", "qemu-x86_64")));
        Assert.Equal(2, PrometheusText.Sum(after, "farm_build_duration_seconds_count", ("state", "succeeded")));
        Assert.Equal(
            targets.Sum(t => t.GetProperty("seconds").GetDouble()),
            PrometheusText.Sum(after, "farm_target_build_seconds_sum"),
            precision: 1);
        Assert.Equal(1, PrometheusText.Sum(after, "farm_workers_online", ("queue", "qemu-x86_64")));
        Assert.Equal(0, PrometheusText.Sum(after, "farm_queue_depth"));
        Assert.True(misses > 0 && hits > 0, $"the second app compiles the core the first one cached: hits {hits}, misses {misses}");
        Assert.Equal(hits, PrometheusText.Sum(after, "farm_target_object_cache_total", ("result", "hit")));
        Assert.Equal(misses, PrometheusText.Sum(after, "farm_target_object_cache_total", ("result", "miss")));
        Assert.Equal(0, PrometheusText.Sum(after, "farm_target_object_cache_total", ("result", "error")));
        // The farm pushed the two indexes (and their signatures): manifests only.
        Assert.True(PrometheusText.Sum(after, "farm_registry_push_bytes_total", ("kind", "manifest")) > 0, after);
        Assert.All(PrometheusText.Series(after), s => Assert.StartsWith("farm_", s.Name, StringComparison.Ordinal));

        // The worker: the same cache counters, and per tier who answered (a worker on its disk alone: the local tier).
        var worker = await workerScraper.GetStringAsync("/metrics", Ct);
        Assert.Equal(hits, PrometheusText.Sum(worker, "farm_object_cache_hits_total", ("worker", "x86")));
        Assert.Equal(misses, PrometheusText.Sum(worker, "farm_object_cache_misses_total"));
        Assert.True(PrometheusText.Sum(worker, "farm_object_cache_tier_hits_total", ("tier", "local")) >= hits, worker);
        Assert.Equal(0, PrometheusText.Sum(worker, "farm_object_cache_tier_hits_total", ("tier", "redis")));
        Assert.Equal(0, PrometheusText.Sum(worker, "farm_object_cache_errors_total"));
        Assert.Equal(3, PrometheusText.Sum(worker, "farm_worker_targets_total", ("state", "succeeded")));
        Assert.True(PrometheusText.Sum(worker, "farm_registry_push_bytes_total", ("kind", "blob")) > 0, worker);
        Assert.All(PrometheusText.Series(worker), s => Assert.StartsWith("farm_", s.Name, StringComparison.Ordinal));

        // Every secret, in every form an operator configured it, absent from everything both processes printed.
        var logs = farm.FarmOutput + farm.Workers["x86"].Output;
        Assert.Contains("\"LogLevel\":", logs, StringComparison.Ordinal);
        foreach (var (what, secret) in new[]
        {
            ("API token", FarmCluster.Token),
            ("metrics token", MetricsToken),
            ("webhook secret", WebhookSecret),
            ("registry password", RegistryPassword),
            ("registry auth", dockerAuth),
            ("signing key", PemBody(signingPem)),
            ("GitHub App key", PemBody(appPem)),
        })
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"the {what} is in the logs");
        }
    }

    /// <summary>The key's first base64 line: any printed part of the key would contain a line of it.</summary>
    private static string PemBody(string pem) => pem.Split('\n')[1].Trim();

    private static async Task<string> ScrapeUntilAsync(HttpClient scraper, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var text = await scraper.GetStringAsync("/metrics", Ct);
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(500, Ct);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

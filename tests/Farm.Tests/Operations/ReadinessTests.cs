using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Cache.Tests.Support;
using Farm.Tests.Serve;
using Farm.Tests.Support;

namespace Farm.Tests.Operations;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> of a served farm against its real parts: a PostgreSQL, a Redis and a registry of
/// this test's own, stopped one after the other. Readiness names each part that stopped answering; health does not
/// depend on them. Both answer without a token.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-ready-").FullName;
    private readonly PostgresServer _postgres = new();
    private bool _postgresStopped;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _postgres.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        if (!_postgresStopped)
        {
            await _postgres.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Readyz_EachStoppedPart_Answers503NamingIt_WhileHealthzStaysUp()
    {
        var redis = await RedisServer.StartAsync(ct: Ct);
        var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(_postgres, _work, Ct, ("ConnectionStrings__Redis", redis.Endpoint), ("Farm__Registry__Url", registry.Host));
        using var anonymous = new HttpClient { BaseAddress = farm.Http.BaseAddress };

        var ready = await ReadyAsync(anonymous, expectFailing: []);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("ok", ready.Body.GetProperty("parts").GetProperty("postgres").GetString());
        Assert.Equal("ok", ready.Body.GetProperty("parts").GetProperty("redis").GetString());
        Assert.Equal("ok", ready.Body.GetProperty("parts").GetProperty("registry").GetString());

        await registry.DisposeAsync();
        var noRegistry = await ReadyAsync(anonymous, expectFailing: ["registry"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noRegistry.Status);
        Assert.Equal(["registry"], noRegistry.Body.GetProperty("failing").EnumerateArray().Select(p => p.GetString()));
        Assert.StartsWith("not ready: registry unreachable", noRegistry.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        // Unauthenticated: the answer names the part and the kind of failure, not where it is.
        Assert.DoesNotContain(registry.Host, noRegistry.Text, StringComparison.Ordinal);

        await redis.DisposeAsync();
        var noRedis = await ReadyAsync(anonymous, expectFailing: ["redis", "registry"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noRedis.Status);
        Assert.Equal(["redis", "registry"], noRedis.Body.GetProperty("failing").EnumerateArray().Select(p => p.GetString()).Order());
        Assert.DoesNotContain(redis.Endpoint, noRedis.Text, StringComparison.Ordinal);

        await _postgres.DisposeAsync();
        _postgresStopped = true;
        var nothing = await ReadyAsync(anonymous, expectFailing: ["postgres", "redis", "registry"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, nothing.Status);
        Assert.Equal(["postgres", "redis", "registry"], nothing.Body.GetProperty("failing").EnumerateArray().Select(p => p.GetString()).Order());

        var health = await anonymous.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("up", (await FarmCluster.JsonAsync(health, Ct)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_WithAToken_RefuseOtherCallers_AndReadyzAndHealthzNeedNone()
    {
        const string token = "metrics-token-0123456789abcdef";
        await using var farm = await FarmCluster.StartAsync(_postgres, _work, Ct, ("Farm__Metrics__Token", token));
        using var anonymous = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FarmCluster.Token);
        using var scraper = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var refused = await anonymous.GetAsync("/metrics", Ct);
        var apiToken = await wrong.GetAsync("/metrics", Ct);
        var scraped = await scraper.GetAsync("/metrics", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Farm__Metrics__Token", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, apiToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("farm_builds{state=\"succeeded\"} 0", await scraped.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz", Ct)).StatusCode);
    }

    /// <summary>Asks until the answer names exactly <paramref name="expectFailing"/> (answers are reused for a second), or 20 s passed.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body, string Text)> ReadyAsync(HttpClient http, string[] expectFailing)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var response = await http.GetAsync("/readyz", Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var body = JsonDocument.Parse(text).RootElement;
            var failing = body.TryGetProperty("failing", out var list) ? list.EnumerateArray().Select(p => p.GetString()!).Order().ToArray() : [];
            if (failing.SequenceEqual(expectFailing.Order()) || DateTime.UtcNow > deadline)
            {
                return (response.StatusCode, body, text);
            }

            await Task.Delay(200, Ct);
        }
    }
}

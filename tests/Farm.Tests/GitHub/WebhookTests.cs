using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.GitHub.Checks;
using Farm.Tests.Serve;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.GitHub;

/// <summary>
/// <c>farm serve</c> receiving GitHub's deliveries (the real example payloads, signed by the test): bad ones refused and
/// nothing enqueued, each delivery handled once, pushes and pull requests built in the right scope with check runs
/// reported to a local server that answers like the GitHub API, and the catalog rebuilt on <c>repository_dispatch</c>.
/// </summary>
public sealed class WebhookTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private const string Secret = "webhook-secret-0123456789";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-github-").FullName;
    private SourceRepository _source = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        static Dictionary<string, string> App(string name) => SourceRepository.HelloworldWith($"spec: v0.6\nname: {name}\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\n");
        _source = await SourceRepository.CreateAsync(Path.Combine(_work, "src"), withHelloworld: false, Ct, ("hello", App("hello")), ("other", App("other")));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Deliveries_UnsignedWronglySignedOrMalformedAreRefused_AReplayIsHandledOnce()
    {
        await using var farm = await FarmCluster.StartAsync(postgres, _work, Ct, ("Farm__GitHub__WebhookSecret", Secret), ("Farm__GitHub__Images", "127.0.0.1:5000/github"));
        var ping = WebhookDeliveries.Payload("ping/payload.json").ToJsonString();
        var tagDeleted = WebhookDeliveries.Payload("push/with-installation.payload.json").ToJsonString();

        var unsigned = await farm.Http.SendAsync(WebhookDeliveries.Request("ping", ping, secret: null), Ct);
        var wrong = await farm.Http.SendAsync(WebhookDeliveries.Request("ping", ping, secret: "another-secret-0123456789"), Ct);
        var malformed = await farm.Http.SendAsync(WebhookDeliveries.Request("push", "{\"ref\": [1, 2", Secret), Ct);
        var notAnEvent = await farm.Http.SendAsync(WebhookDeliveries.Request("push", "[]", Secret), Ct);
        var first = await farm.Http.SendAsync(WebhookDeliveries.Request("ping", ping, Secret, "delivery-1"), Ct);
        var replay = await farm.Http.SendAsync(WebhookDeliveries.Request("ping", ping, Secret, "delivery-1"), Ct);
        var deleted = await farm.Http.SendAsync(WebhookDeliveries.Request("push", tagDeleted, Secret, "delivery-2"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notAnEvent.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var outcomes = await OutcomesAsync(farm, 2);
        Assert.Equal(["delivery-1", "delivery-2"], outcomes.Keys.Order());
        Assert.Equal("pong", outcomes["delivery-1"]);
        Assert.Equal("refs/tags/simple-tag deleted: nothing to build", outcomes["delivery-2"]);
    }

    [Fact]
    public async Task Push_BuildsTheAppItChanged_Trusted_PullRequestBuildsUntrusted_CheckRunsFollowTheTargets()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var key = new TestAppKey();
        await using var github = await FakeGitHubApi.StartAsync("/api/v3", TimeProvider.System, Ct);
        await using var farm = await FarmCluster.StartAsync(
            postgres,
            _work,
            Ct,
            ("Farm__GitHub__WebhookSecret", Secret),
            ("Farm__GitHub__Images", $"{registry.Host}/github"),
            ("Farm__GitHub__App__AppId", "4242"),
            ("Farm__GitHub__App__PrivateKeyFile", key.PrivateKeyFile),
            ("Farm__GitHub__App__ApiBaseUrl", github.BaseUrl.ToString()));
        await farm.StartWorkerAsync("x86", ["qemu-x86_64"], Ct, ("FARM_CC", FarmCluster.FarmCc()));

        var push = WebhookDeliveries.Payload("push/payload.json");
        push["ref"] = "refs/heads/main";
        push["after"] = _source.Commit;
        push["deleted"] = false;
        push["repository"]!["default_branch"] = "main";
        push["repository"]!["clone_url"] = _source.Url;
        push["installation"] = new JsonObject { ["id"] = 42, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" };
        push["commits"] = new JsonArray(new JsonObject { ["id"] = _source.Commit, ["tree_id"] = _source.Commit, ["distinct"] = true, ["message"] = "change hello", ["timestamp"] = "2026-11-27T00:00:00Z", ["url"] = "https://example.invalid", ["author"] = new JsonObject { ["name"] = "a", ["email"] = "a@example.invalid" }, ["committer"] = new JsonObject { ["name"] = "a", ["email"] = "a@example.invalid" }, ["added"] = new JsonArray(), ["removed"] = new JsonArray(), ["modified"] = new JsonArray("hello/main.c") });
        push["head_commit"] = push["commits"]![0]!.DeepClone();
        var pull = WebhookDeliveries.Payload("pull_request/opened.payload.json");
        pull["pull_request"]!["head"]!["sha"] = _source.Commit;
        pull["pull_request"]!["head"]!["repo"]!["clone_url"] = _source.Url;

        var pushed = await farm.Http.SendAsync(WebhookDeliveries.Request("push", push.ToJsonString(), Secret, "push-1"), Ct);
        Assert.True(pushed.StatusCode == HttpStatusCode.OK, await pushed.Content.ReadAsStringAsync(Ct));
        var outcome = (await OutcomesAsync(farm, 1))["push-1"];
        var buildId = outcome.Split(' ')[2];
        var build = await farm.WaitAsync(buildId, Ct);
        await WaitForAsync(
            () => github.Requests.Any(r => r.Method == "PATCH" && r.Json.TryGetProperty("conclusion", out _)),
            () => string.Join("\n", github.Requests.Select(r => $"{r.Method} {r.Path}")) + "\n" + farm.FarmOutput);
        var updates = github.Requests.Where(r => r.Method == "PATCH" && r.Path.Contains("/check-runs/", StringComparison.Ordinal)).Select(r => r.Json).ToList();
        // Before the pull request: its builds' check runs may be created as soon as it is handled.
        var pushCheckRuns = github.RequestsTo("POST", "/repos/Codertocat/Hello-World/check-runs").ToList();
        var pulled = await farm.Http.SendAsync(WebhookDeliveries.Request("pull_request", pull.ToJsonString(), Secret, "pr-1"), Ct);
        var pullOutcome = (await OutcomesAsync(farm, 2))["pr-1"];

        Assert.StartsWith($"hello/Kraftfile: build {buildId} (trusted)", outcome, StringComparison.Ordinal);
        Assert.DoesNotContain("other/Kraftfile", outcome, StringComparison.Ordinal);
        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var image = OciReference.Parse($"{registry.Host}/github/codertocat/hello-world/hello:{_source.Commit[..12]}");
        var index = await OciRepositories.Open(image, new RegistryClientOptions { Insecure = true }).TryGetManifestAsync(image.Selector, Ct);
        Assert.NotNull(index);

        // One check run for the target, queued → in_progress → completed (success), as the installation.
        var created = Assert.Single(pushCheckRuns);
        Assert.Equal("unikernel: hello qemu/x86_64", created.Json.GetProperty("name").GetString());
        Assert.Equal(_source.Commit, created.Json.GetProperty("head_sha").GetString());
        Assert.Equal(buildId, created.Json.GetProperty("external_id").GetString());
        Assert.Equal(["in_progress", "completed"], updates.Select(u => u.GetProperty("status").GetString()));
        Assert.Equal("success", updates[1].GetProperty("conclusion").GetString());
        Assert.NotEmpty(github.RequestsTo("POST", "/app/installations/42/access_tokens"));

        // The pull request builds every app at its head, untrusted.
        Assert.Contains("hello/Kraftfile: build", pullOutcome, StringComparison.Ordinal);
        Assert.Contains("other/Kraftfile: build", pullOutcome, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(pullOutcome, @"\(untrusted\)"));
    }

    [Fact]
    public async Task CatalogRebuild_OnRepositoryDispatch_BuildsEveryKraftfile_TheGridShowsAppsByTarget_UnchangedAppsAreCached()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(
            postgres,
            _work,
            Ct,
            ("Farm__GitHub__WebhookSecret", Secret),
            ("Farm__GitHub__Images", $"{registry.Host}/github"),
            ("Farm__Catalog__Repository", _source.Url),
            ("Farm__Catalog__Images", $"{registry.Host}/catalog"),
            ("Farm__Catalog__Cron", "0 3 * * *"));
        await farm.StartWorkerAsync("x86", ["qemu-x86_64"], Ct, ("FARM_CC", FarmCluster.FarmCc()));
        var dispatch = WebhookDeliveries.Payload("repository_dispatch/payload.json");
        dispatch["action"] = "catalog-rebuild";

        var none = await farm.Http.GetAsync("/api/catalog", Ct);
        await farm.Http.SendAsync(WebhookDeliveries.Request("repository_dispatch", dispatch.ToJsonString(), Secret, "dispatch-1"), Ct);
        var first = await FinishedGridAsync(farm, null);
        var again = await farm.Http.PostAsync("/api/catalog/rebuild", null, Ct);
        var second = await FinishedGridAsync(farm, first.GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(_source.Commit, first.GetProperty("commit").GetString());
        Assert.Equal(["qemu/x86_64"], first.GetProperty("platforms").EnumerateArray().Select(p => p.GetString()));
        var apps = first.GetProperty("apps").EnumerateArray().ToList();
        Assert.Equal(["hello/Kraftfile", "other/Kraftfile"], apps.Select(a => a.GetProperty("kraftfile").GetString()));
        Assert.All(apps, a => Assert.Equal("succeeded", a.GetProperty("targets").GetProperty("qemu/x86_64").GetString()));
        Assert.All(apps, a => Assert.StartsWith($"{registry.Host}/catalog/", a.GetProperty("image").GetString(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("api", second.GetProperty("trigger").GetString());
        Assert.All(second.GetProperty("apps").EnumerateArray(), a => Assert.Equal("cached", a.GetProperty("targets").GetProperty("qemu/x86_64").GetString()));
    }

    private static async Task<JsonElement> FinishedGridAsync(FarmCluster farm, string? after)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var response = await farm.Http.GetAsync("/api/catalog", Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var grid = await FarmCluster.JsonAsync(response, Ct);
                if (grid.GetProperty("id").GetString() != after && grid.GetProperty("finished").GetBoolean() && grid.GetProperty("apps").GetArrayLength() > 0)
                {
                    return grid;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "the catalog rebuild did not finish in 5 minutes");
            await Task.Delay(500, Ct);
        }
    }

    /// <summary>The recorded deliveries' outcomes, once <paramref name="count"/> of them have one.</summary>
    private static async Task<Dictionary<string, string>> OutcomesAsync(FarmCluster farm, int count)
    {
        await using var database = NpgsqlDataSource.Create(farm.Database);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            await using var command = database.CreateCommand("SELECT id, coalesce(outcome, '') FROM farm.github_deliveries");
            await using var reader = await command.ExecuteReaderAsync(Ct);
            var outcomes = new Dictionary<string, string>();
            while (await reader.ReadAsync(Ct))
            {
                outcomes[reader.GetString(0)] = reader.GetString(1);
            }

            if (outcomes.Count >= count && outcomes.Values.All(o => o.Length > 0))
            {
                return outcomes;
            }

            Assert.True(DateTime.UtcNow < deadline, $"deliveries without an outcome: {string.Join(", ", outcomes.Keys)}\n{farm.FarmOutput}");
            await Task.Delay(200, Ct);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, Func<string> explain)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {explain()}");
            await Task.Delay(200, Ct);
        }
    }
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Farm.Tests.Serve;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.GitHub;

/// <summary>
/// Attacks on <c>farm serve</c>'s webhook endpoint with bodies the secret really signed, each failing if it works: a
/// captured delivery replayed under new delivery ids (the signature does not cover the id), and a body past the
/// webhook's own limit.
/// </summary>
public sealed class WebhookAttackTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private const string Secret = "webhook-secret-0123456789";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-webhook-attack-").FullName;
    private SourceRepository _source = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _source = await SourceRepository.CreateAsync(Path.Combine(_work, "src"), withHelloworld: false, Ct, ("hello", SourceRepository.HelloworldWith("spec: v0.6\nname: hello\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\n")));

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Replay_SignedPushUnderNewDeliveryIds_IsHandledOnce_OneBuildOneJob()
    {
        await using var farm = await StartAsync();
        var push = WebhookDeliveries.Payload("push/payload.json");
        push["ref"] = "refs/heads/main";
        push["after"] = _source.Commit;
        push["deleted"] = false;
        push["repository"]!["default_branch"] = "main";
        push["repository"]!["clone_url"] = _source.Url;
        push["commits"] = new JsonArray();
        push["head_commit"] = null;
        var body = push.ToJsonString();

        // The original and five replays at once: the unique keys, not the order, must decide.
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var response = await farm.Http.SendAsync(WebhookDeliveries.Request("push", body, Secret, $"delivery-{i}"), Ct);
            return (response.StatusCode, Json: await FarmCluster.JsonAsync(response, Ct));
        }));
        await WaitForOutcomeAsync(farm);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // room for a second job, were one enqueued

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var accepted = Assert.Single(answers, a => a.Json.GetProperty("status").GetString() == "accepted");
        var original = accepted.Json.GetProperty("delivery").GetString();
        var duplicates = answers.Where(a => a.Json.GetProperty("status").GetString() == "duplicate").ToList();
        Assert.Equal(5, duplicates.Count);
        Assert.All(duplicates, d => Assert.Equal(original, d.Json.GetProperty("duplicateOf").GetString()));
        Assert.All(duplicates, d => Assert.Contains("same body", d.Json.GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.Equal(1L, await CountAsync(farm, "SELECT count(*) FROM farm.github_deliveries"));
        Assert.Equal(1L, await CountAsync(farm, "SELECT count(*) FROM farm.builds"));
        Assert.Equal(1L, await CountAsync(farm, "SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%GitHubDeliveryJob%'"));
    }

    [Fact]
    public async Task Oversized_SignedDeliveryPastTheWebhookLimit_Gets413JsonNamingTheSetting_AndNothingIsRecorded()
    {
        // 30 MB: under the sources limit (64 MB), over the webhook's own (25 MB, GitHub's cap).
        await using var farm = await StartAsync();
        var ping = WebhookDeliveries.Payload("ping/payload.json");
        ping["zen"] = new string(' ', 30 << 20);

        using var request = WebhookDeliveries.Request("ping", ping.ToJsonString(), Secret, "huge");
        request.Headers.ExpectContinue = true;
        using var patient = farm.PatientClient();
        var huge = await patient.SendAsync(request, Ct);
        var next = await farm.Http.SendAsync(WebhookDeliveries.Request("ping", WebhookDeliveries.Payload("ping/payload.json").ToJsonString(), Secret, "small"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        var refused = await FarmCluster.JsonAsync(huge, Ct);
        Assert.Equal("the request body is larger than 25 MiB (Farm__GitHub__WebhookMaxMegabytes)", refused.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("accepted", (await FarmCluster.JsonAsync(next, Ct)).GetProperty("status").GetString());
        Assert.Equal(0L, await CountAsync(farm, "SELECT count(*) FROM farm.github_deliveries WHERE id = 'huge'"));
        Assert.DoesNotContain("Exception", farm.FarmOutput, StringComparison.Ordinal);
    }

    private Task<FarmCluster> StartAsync() =>
        FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct, ("Farm__GitHub__WebhookSecret", Secret), ("Farm__GitHub__Images", "127.0.0.1:5000/github"));

    private static async Task<long> CountAsync(FarmCluster farm, string sql)
    {
        await using var database = NpgsqlDataSource.Create(farm.Database);
        await using var command = database.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task WaitForOutcomeAsync(FarmCluster farm)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await CountAsync(farm, "SELECT count(*) FROM farm.github_deliveries WHERE outcome IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the delivery got no outcome\n{farm.FarmOutput}");
            await Task.Delay(200, Ct);
        }
    }
}

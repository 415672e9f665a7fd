using System.Net;
using System.Text;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Cli;
using Farm.Tests.GitHub.Oidc;
using Farm.Tests.Serve;
using Farm.Tests.Shared;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.GitHub;

/// <summary>
/// The action's program in remote mode, run as a runner runs it (INPUT_* and the runner's variables), against a real
/// <c>farm serve</c> that verifies GitHub Actions OIDC tokens signed by a test issuer whose JWKS the test serves.
/// </summary>
public sealed class ActionRemoteTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-action-").FullName;
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
    public async Task RemoteMode_WithTheWorkflowsOidcToken_BuildsOnTheFarm_InTheScopeTheTokenEarns_AndRefusesBadTokens()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var issuer = await TestIssuer.StartAsync();
        var port = Loopback.PickFreePort();
        var farmUrl = $"http://127.0.0.1:{port}";
        await using var farm = await FarmCluster.StartAsync(
            postgres,
            _work,
            port,
            Ct,
            ("Farm__GitHub__Oidc__Issuer", issuer.Issuer),
            ("Farm__GitHub__Oidc__JwksUrl", issuer.JwksUrl.ToString()),
            ("Farm__GitHub__Oidc__Audience", farmUrl),
            ("Farm__GitHub__Oidc__Rules__0__RepositoryId", "123456"));
        await farm.StartWorkerAsync("x86", ["qemu-x86_64"], Ct, ("FARM_CC", FarmCluster.FarmCc()));
        Assert.Equal(farmUrl, farm.Http.BaseAddress!.ToString().TrimEnd('/'));

        var now = DateTimeOffset.UtcNow;
        string Token(Action<Dictionary<string, object>> edit)
        {
            var claims = issuer.Claims(now);
            claims["aud"] = farmUrl;
            edit(claims);
            return issuer.Sign(claims);
        }

        var push = await RunActionAsync(farmUrl, Token(_ => { }), $"{registry.Host}/apps/hello:main");
        var pull = await RunActionAsync(farmUrl, Token(c => { c["event_name"] = "pull_request"; c["ref"] = "refs/pull/7/merge"; }), $"{registry.Host}/apps/hello:pr-7");
        var expired = await RunActionAsync(farmUrl, Token(c => c["exp"] = now.AddMinutes(-10).ToUnixTimeSeconds()), $"{registry.Host}/apps/hello:x");
        var foreign = await RunActionAsync(farmUrl, Token(c => c["repository_id"] = "999"), $"{registry.Host}/apps/hello:y");

        Assert.True(push.ExitCode == 0, push.Stdout + push.Stderr);
        var outputs = push.Outputs;
        Assert.Matches("^sha256:[0-9a-f]{64}$", outputs["index-digest"]);
        Assert.Equal($"{registry.Host}/apps/hello:main@{outputs["index-digest"]}", outputs["image"]);
        var targets = JsonDocument.Parse(outputs["targets"]).RootElement;
        Assert.Equal("qemu/x86_64", targets[0].GetProperty("platform").GetString());
        Assert.Equal("succeeded", targets[0].GetProperty("state").GetString());
        Assert.Contains("[qemu/x86_64] ", push.Stdout, StringComparison.Ordinal); // the farm's log, streamed
        Assert.Contains("| hello (qemu/x86_64) | ✅ passed |", push.Summary, StringComparison.Ordinal);

        Assert.True(pull.ExitCode == 0, pull.Stdout + pull.Stderr);
        Assert.Equal(["trusted", "untrusted"], await ScopesAsync(farm));

        Assert.Equal(1, expired.ExitCode);
        Assert.Contains("::error", expired.Stdout, StringComparison.Ordinal);
        Assert.Contains("the OIDC token was refused", expired.Stdout, StringComparison.Ordinal);
        Assert.Contains("expired", expired.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("is not allowed to build here", foreign.Stdout, StringComparison.Ordinal);
    }

    private static async Task<string[]> ScopesAsync(FarmCluster farm)
    {
        await using var database = NpgsqlDataSource.Create(farm.Database);
        await using var command = database.CreateCommand("SELECT scope FROM farm.builds ORDER BY created");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var scopes = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            scopes.Add(reader.GetString(0));
        }

        return [.. scopes];
    }

    /// <summary>The action as a runner starts it, with an ID-token endpoint that hands out <paramref name="jwt"/> for the farm's audience.</summary>
    private async Task<ActionRun> RunActionAsync(string farmUrl, string jwt, string image)
    {
        var run = Path.Combine(_work, "runs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        // As GitHub's endpoint: the request token authorises, the audience is the one asked for.
        await using var tokenEndpoint = TestHttpServer.Start(async context =>
        {
            var ok = context.Request.Headers["Authorization"] == "Bearer request-token" && context.Request.QueryString["audience"] == farmUrl;
            context.Response.StatusCode = ok ? 200 : 403;
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(ok ? JsonSerializer.Serialize(new { value = jwt }) : "{}"));
        });
        var tokenPort = tokenEndpoint.Port;

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var action = Path.Combine(ProjectReferences.RepositoryRoot(), "action", "Farm.Action", "bin", configuration, "net10.0", "Farm.Action.dll");
        var result = await FarmProcess.RunAsync(
            [action],
            [
                ("GITHUB_WORKSPACE", _source.Directory),
                ("GITHUB_OUTPUT", Path.Combine(run, "output")),
                ("GITHUB_STEP_SUMMARY", Path.Combine(run, "summary.md")),
                ("GITHUB_EVENT_NAME", "push"),
                ("RUNNER_TEMP", run),
                ("ACTIONS_ID_TOKEN_REQUEST_URL", $"http://127.0.0.1:{tokenPort}/token?api-version=2.0"),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
                ("INPUT_WORKDIR", "hello"),
                ("INPUT_FARM-URL", farmUrl),
                ("INPUT_IMAGE", image),
            ],
            Ct,
            assembly: null);
        var outputs = File.Exists(Path.Combine(run, "output"))
            ? File.ReadAllLines(Path.Combine(run, "output")).Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : [];
        var summary = File.Exists(Path.Combine(run, "summary.md")) ? await File.ReadAllTextAsync(Path.Combine(run, "summary.md"), Ct) : string.Empty;
        return new ActionRun(result.ExitCode, result.Stdout, result.Stderr, outputs, summary);
    }

    private sealed record ActionRun(int ExitCode, string Stdout, string Stderr, Dictionary<string, string> Outputs, string Summary);
}

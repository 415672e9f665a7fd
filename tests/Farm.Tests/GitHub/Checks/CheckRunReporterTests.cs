using System.Globalization;
using System.Net;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.GitHub.Checks;

namespace Farm.Tests.GitHub.Checks;

public sealed class CheckRunReporterTests
{
    private const long Installation = 42;
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    private static readonly CheckRunTarget Target = new(
        Installation,
        "unikraft",
        "app-helloworld",
        Sha,
        CheckRunTarget.NameFor("helloworld", "qemu", "x86_64"),
        new Uri("https://farm.example/builds/b-17#qemu-x86_64"),
        "b-17/qemu-x86_64");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task QueueAsync_CreatesAQueuedCheckRunForTheCommit_AsTheInstallation()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        var id = await github.Reporter.QueueAsync(Target, Ct);

        var create = Assert.Single(github.Api.RequestsTo("POST", "/check-runs"));
        Assert.Equal("/api/v3/repos/unikraft/app-helloworld/check-runs", create.Path);
        Assert.Equal($"Token {Assert.Single(github.Api.IssuedTokens)}", create.Authorization);
        var body = create.Json;
        Assert.Equal("unikernel: helloworld qemu/x86_64", body.GetProperty("name").GetString());
        Assert.Equal(Sha, body.GetProperty("head_sha").GetString());
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal("https://farm.example/builds/b-17#qemu-x86_64", body.GetProperty("details_url").GetString());
        Assert.Equal("b-17/qemu-x86_64", body.GetProperty("external_id").GetString());
        Assert.False(body.TryGetProperty("conclusion", out _), "a queued check run has no conclusion");
        Assert.Equal(4_000_000_001, id);
    }

    [Fact]
    public async Task QueueAsync_NoDetailsUrlOrExternalId_SendsNeither()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        await github.Reporter.QueueAsync(Target with { DetailsUrl = null, ExternalId = null }, Ct);

        var body = Assert.Single(github.Api.RequestsTo("POST", "/check-runs")).Json;
        Assert.False(body.TryGetProperty("details_url", out _));
        Assert.False(body.TryGetProperty("external_id", out _));
    }

    [Fact]
    public async Task StartAsync_MarksTheCheckRunInProgress_StartedNow()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var id = await github.Reporter.QueueAsync(Target, Ct);
        github.Time.Advance(TimeSpan.FromSeconds(30));

        await github.Reporter.StartAsync(Target, id, Ct);

        var update = Assert.Single(github.Api.RequestsTo("PATCH", $"/check-runs/{id}"));
        Assert.Equal($"/api/v3/repos/unikraft/app-helloworld/check-runs/{id}", update.Path);
        Assert.Equal("in_progress", update.Json.GetProperty("status").GetString());
        Assert.Equal(github.Time.GetUtcNow(), Time(update.Json, "started_at"));
        Assert.False(update.Json.TryGetProperty("completed_at", out _));
    }

    [Theory]
    [InlineData(nameof(CheckRunConclusion.Success), "success")]
    [InlineData(nameof(CheckRunConclusion.Failure), "failure")]
    [InlineData(nameof(CheckRunConclusion.Cancelled), "cancelled")]
    [InlineData(nameof(CheckRunConclusion.Skipped), "skipped")]
    [InlineData(nameof(CheckRunConclusion.Neutral), "neutral")]
    public async Task CompleteAsync_SendsCompletedWithTheConclusion_CompletedNow_AndTheOutput(string conclusion, string expected)
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var id = await github.Reporter.QueueAsync(Target, Ct);
        await github.Reporter.StartAsync(Target, id, Ct);
        github.Time.Advance(TimeSpan.FromMinutes(3));

        await github.Reporter.CompleteAsync(Target, id, new CheckRunOutcome(Enum.Parse<CheckRunConclusion>(conclusion), "Built in 3 min", "| target | size |\n|---|---|\n| qemu/x86_64 | 1.2 MiB |", "log tail"), Ct);

        var updates = github.Api.RequestsTo("PATCH", $"/check-runs/{id}");
        Assert.Equal(["in_progress", "completed"], updates.Select(u => u.Json.GetProperty("status").GetString()));
        var body = updates[1].Json;
        Assert.Equal(expected, body.GetProperty("conclusion").GetString());
        Assert.Equal(github.Time.GetUtcNow(), Time(body, "completed_at"));
        var output = body.GetProperty("output");
        Assert.Equal("Built in 3 min", output.GetProperty("title").GetString());
        Assert.Equal("| target | size |\n|---|---|\n| qemu/x86_64 | 1.2 MiB |", output.GetProperty("summary").GetString());
        Assert.Equal("log tail", output.GetProperty("text").GetString());
        Assert.Equal(0, output.GetProperty("annotations").GetArrayLength());
    }

    [Fact]
    public async Task CompleteAsync_120Annotations_ThreeUpdatesOf50_50_20_NoneLost_InOrder_TitleAndSummaryInEach()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var id = await github.Reporter.QueueAsync(Target, Ct);
        var levels = new[] { AnnotationLevel.Failure, AnnotationLevel.Warning, AnnotationLevel.Notice };
        var annotations = Enumerable.Range(1, 120)
            .Select(i => new CheckAnnotation($"src/file{i}.c", i, i + 1, levels[i % 3], $"message {i}", i % 2 == 0 ? $"title {i}" : null))
            .ToList();

        await github.Reporter.CompleteAsync(Target, id, new CheckRunOutcome(CheckRunConclusion.Failure, "120 problems", "See the annotations.", Annotations: annotations), Ct);

        var updates = github.Api.RequestsTo("PATCH", $"/check-runs/{id}");
        Assert.Equal([50, 50, 20], updates.Select(u => u.Json.GetProperty("output").GetProperty("annotations").GetArrayLength()));
        Assert.Equal(["completed", null, null], updates.Select(u => u.Json.TryGetProperty("status", out var s) ? s.GetString() : null));
        Assert.All(updates, u =>
        {
            Assert.Equal("120 problems", u.Json.GetProperty("output").GetProperty("title").GetString());
            Assert.Equal("See the annotations.", u.Json.GetProperty("output").GetProperty("summary").GetString());
        });
        var sent = updates.SelectMany(u => u.Json.GetProperty("output").GetProperty("annotations").EnumerateArray()).Select(ToAnnotation).ToList();
        Assert.Equal(annotations, sent);
    }

    [Fact]
    public async Task Reports_ForOneInstallation_ShareOneCachedToken()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        var id = await github.Reporter.QueueAsync(Target, Ct);
        await github.Reporter.StartAsync(Target, id, Ct);
        var other = await github.Reporter.QueueAsync(Target with { Name = CheckRunTarget.NameFor("helloworld", "fc", "x86_64") }, Ct);
        await github.Reporter.CompleteAsync(Target, id, new CheckRunOutcome(CheckRunConclusion.Success, "ok", "ok"), Ct);

        var token = Assert.Single(github.Api.IssuedTokens);
        Assert.Single(github.Api.RequestsTo("POST", "/access_tokens"));
        var reports = github.Api.Requests.Where(r => r.Path.Contains("/check-runs", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, reports.Count);
        Assert.All(reports, r => Assert.Equal($"Token {token}", r.Authorization));
        Assert.NotEqual(id, other);
    }

    [Fact]
    public async Task Report_AfterTheTokenNearsItsExpiry_UsesARenewedToken()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var id = await github.Reporter.QueueAsync(Target, Ct);
        var first = Assert.Single(github.Api.IssuedTokens);

        github.Time.Advance(TimeSpan.FromMinutes(56));
        await github.Reporter.StartAsync(Target, id, Ct);

        Assert.Equal(2, github.Api.RequestsTo("POST", "/access_tokens").Count);
        var renewed = Assert.Single(github.Api.IssuedTokens, t => t != first);
        Assert.Equal($"Token {renewed}", Assert.Single(github.Api.RequestsTo("PATCH", $"/check-runs/{id}")).Authorization);
    }

    [Fact]
    public async Task CompleteAsync_GitHubAnswers422_GitHubReportExceptionWithStatusMessageAndField()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var id = await github.Reporter.QueueAsync(Target, Ct);
        github.Api.Fail("PATCH", $"/check-runs/{id}", HttpStatusCode.UnprocessableEntity, "Validation Failed", errorField: "annotations");

        var e = await Assert.ThrowsAsync<GitHubReportException>(() =>
            github.Reporter.CompleteAsync(Target, id, new CheckRunOutcome(CheckRunConclusion.Failure, "t", "s"), Ct));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.StatusCode);
        Assert.Contains("422", e.Message, StringComparison.Ordinal);
        Assert.Contains("Validation Failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("CheckRun.annotations invalid", e.Message, StringComparison.Ordinal);
        Assert.Contains(Target.Name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueAsync_GitHubAnswers500_GitHubReportExceptionWithStatusAndMessage()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        github.Api.Fail("POST", "/check-runs", HttpStatusCode.InternalServerError, "Server Error");

        var e = await Assert.ThrowsAsync<GitHubReportException>(() => github.Reporter.QueueAsync(Target, Ct));

        Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
        Assert.Contains("500", e.Message, StringComparison.Ordinal);
        Assert.Contains("Server Error", e.Message, StringComparison.Ordinal);
        Assert.Contains("unikraft/app-helloworld", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueAsync_TokenExchangeRefused_GitHubReportExceptionAboutTheToken()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        github.Api.Fail("POST", "/access_tokens", HttpStatusCode.NotFound, "Not Found");

        var e = await Assert.ThrowsAsync<GitHubReportException>(() => github.Reporter.QueueAsync(Target, Ct));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Contains("token for installation 42", e.Message, StringComparison.Ordinal);
        Assert.Empty(github.Api.RequestsTo("POST", "/check-runs"));
    }

    [Fact]
    public async Task QueueAsync_GitHubUnreachable_GitHubReportExceptionWithoutStatus()
    {
        using var key = new TestAppKey();
        var options = new GitHubAppOptions { AppId = "1", PrivateKeyFile = key.PrivateKeyFile, ApiBaseUrl = $"http://127.0.0.1:{Loopback.PickFreePort()}/api/v3/" };
        using var client = new GitHubAppClient(options, TimeProvider.System, Loopback.CreateHandler);

        var e = await Assert.ThrowsAsync<GitHubReportException>(() => new CheckRunReporter(client, TimeProvider.System).QueueAsync(Target, Ct));

        Assert.Null(e.StatusCode);
        Assert.Contains("could not be reached", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_SummaryLongerThanGitHubTakes_IsCutToTheLimit()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var id = await github.Reporter.QueueAsync(Target, Ct);

        await github.Reporter.CompleteAsync(Target, id, new CheckRunOutcome(CheckRunConclusion.Failure, "huge log", new string('x', 100_000)), Ct);

        var summary = Assert.Single(github.Api.RequestsTo("PATCH", $"/check-runs/{id}")).Json.GetProperty("output").GetProperty("summary").GetString()!;
        Assert.Equal(CheckRunReporter.MaxOutputCharacters, summary.Length);
        Assert.EndsWith("(truncated)", summary, StringComparison.Ordinal);
    }

    private static DateTimeOffset Time(JsonElement body, string field) =>
        DateTimeOffset.Parse(body.GetProperty(field).GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static CheckAnnotation ToAnnotation(JsonElement a) => new(
        a.GetProperty("path").GetString()!,
        a.GetProperty("start_line").GetInt32(),
        a.GetProperty("end_line").GetInt32(),
        a.GetProperty("annotation_level").GetString() switch
        {
            "failure" => AnnotationLevel.Failure,
            "warning" => AnnotationLevel.Warning,
            "notice" => AnnotationLevel.Notice,
            var other => throw new InvalidDataException($"annotation_level '{other}'"),
        },
        a.GetProperty("message").GetString()!,
        a.TryGetProperty("title", out var title) ? title.GetString() : null);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Farm.Core.Tests.Oci.TestRegistry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Farm.Tests.GitHub.Checks;

/// <summary>
/// The few GitHub REST endpoints a GitHub App reporting check runs uses, on 127.0.0.1 under a path prefix (as GitHub
/// Enterprise Server serves <c>/api/v3/</c>). Records every request; answers with GitHub's JSON shapes; refuses
/// check-run calls without a token it issued and still valid, as GitHub would.
/// </summary>
internal sealed partial class FakeGitHubApi : IAsyncDisposable
{
    public const string TokenPrefix = "ghs_";

    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly List<RecordedRequest> _requests = [];
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    private readonly ConcurrentDictionary<long, JsonObject> _checkRuns = new();
    private readonly ConcurrentBag<(string Method, string PathSuffix, HttpStatusCode Status, string Body)> _failures = [];
    private long _nextCheckRunId = 4_000_000_000;

    private FakeGitHubApi(WebApplication app, Uri baseUrl, TimeProvider time)
    {
        _app = app;
        BaseUrl = baseUrl;
        _time = time;
    }

    /// <summary>Ends in '/', e.g. <c>http://127.0.0.1:PORT/api/v3/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>How long the installation tokens it issues are valid; GitHub's is an hour.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <param name="pathPrefix">Where the API lives, e.g. <c>/api/v3</c>.</param>
    /// <param name="time">The clock installation tokens are issued and expire by.</param>
    public static async Task<FakeGitHubApi> StartAsync(string pathPrefix, TimeProvider time, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Loopback.PickFreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var api = new FakeGitHubApi(app, new Uri($"http://127.0.0.1:{port}{pathPrefix.TrimEnd('/')}/"), time);
            api.Map(pathPrefix);
            try
            {
                await app.StartAsync(ct);
                return api;
            }
            catch (IOException) when (attempt < 5)
            {
                // Someone took the port between picking and binding it.
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>From now on, every <paramref name="method"/> request whose path ends with <paramref name="pathSuffix"/> gets GitHub's error JSON with <paramref name="message"/>.</summary>
    public void Fail(string method, string pathSuffix, HttpStatusCode status, string message, string? errorField = null)
    {
        var body = new JsonObject
        {
            ["message"] = message,
            ["documentation_url"] = "https://docs.github.com/rest/checks/runs",
        };
        if (errorField is not null)
        {
            body["errors"] = new JsonArray(new JsonObject { ["resource"] = "CheckRun", ["code"] = "invalid", ["field"] = errorField });
        }

        _failures.Add((method, pathSuffix, status, body.ToJsonString()));
    }

    public IReadOnlyList<RecordedRequest> RequestsTo(string method, string pathSuffix) =>
        Requests.Where(r => r.Method == method && r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).ToList();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private void Map(string pathPrefix)
    {
        _app.Use(async (context, next) =>
        {
            await RecordAsync(context.Request);
            var failure = _failures.FirstOrDefault(f => f.Method == context.Request.Method && context.Request.Path.Value!.EndsWith(f.PathSuffix, StringComparison.Ordinal));
            if (failure.Body is not null)
            {
                await WriteAsync(context.Response, failure.Status, failure.Body);
                return;
            }

            await next(context);
        });

        var api = _app.MapGroup(pathPrefix);
        api.MapPost("/app/installations/{installationId:long}/access_tokens", (RequestDelegate)IssueTokenAsync);
        api.MapGet("/repos/{owner}/{repo}/installation", (RequestDelegate)FindInstallationAsync);
        api.MapPost("/repos/{owner}/{repo}/check-runs", (RequestDelegate)CreateCheckRunAsync);
        api.MapPatch("/repos/{owner}/{repo}/check-runs/{checkRunId:long}", (RequestDelegate)UpdateCheckRunAsync);
    }

    private async Task RecordAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync();
        JsonElement? body = null;
        if (!string.IsNullOrWhiteSpace(text) && text.TrimStart()[0] is '{' or '[')
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }

        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        lock (_requests)
        {
            _requests.Add(new RecordedRequest(request.Method, request.Path.Value!, headers, body));
        }

        // The handlers read the body again.
        request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
    }

    private static Task WriteAsync(HttpResponse response, HttpStatusCode status, string json)
    {
        response.StatusCode = (int)status;
        response.ContentType = "application/json; charset=utf-8";
        return response.WriteAsync(json);
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

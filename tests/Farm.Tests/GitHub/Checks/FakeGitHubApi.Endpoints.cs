using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Farm.Tests.GitHub.Checks;

/// <summary>The endpoints' answers, shaped like GitHub's (the fields Octokit's models read, with GitHub's names).</summary>
internal sealed partial class FakeGitHubApi
{
    private readonly ConcurrentDictionary<string, long> _installations = new();

    /// <summary>The app is installed on <paramref name="owner"/>/<paramref name="repo"/> as <paramref name="installationId"/>.</summary>
    public void Install(string owner, string repo, long installationId) => _installations[$"{owner}/{repo}"] = installationId;

    public IReadOnlyCollection<string> IssuedTokens => [.. _tokens.Keys];

    private Task IssueTokenAsync(HttpContext context)
    {
        if (!IsAppJwt(context.Request))
        {
            return Unauthorized(context.Response, "A JSON web token could not be decoded");
        }

        var token = $"{TokenPrefix}{Guid.NewGuid():N}";
        var expiresAt = _time.GetUtcNow() + TokenLifetime;
        _tokens[token] = expiresAt;
        var body = new JsonObject
        {
            ["token"] = token,
            ["expires_at"] = Iso(expiresAt),
            ["permissions"] = new JsonObject { ["checks"] = "write", ["metadata"] = "read" },
            ["repository_selection"] = "all",
        };
        return WriteAsync(context.Response, HttpStatusCode.Created, body.ToJsonString());
    }

    private Task FindInstallationAsync(HttpContext context)
    {
        if (!IsAppJwt(context.Request))
        {
            return Unauthorized(context.Response, "A JSON web token could not be decoded");
        }

        var owner = (string)context.Request.RouteValues["owner"]!;
        var repo = (string)context.Request.RouteValues["repo"]!;
        if (!_installations.TryGetValue($"{owner}/{repo}", out var id))
        {
            return WriteAsync(context.Response, HttpStatusCode.NotFound, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app"}""");
        }

        var body = new JsonObject
        {
            ["id"] = id,
            ["account"] = new JsonObject { ["login"] = owner, ["id"] = 9_000_001, ["node_id"] = "O_kgDOAAAAAQ", ["type"] = "Organization", ["site_admin"] = false, ["url"] = $"{BaseUrl}users/{owner}", ["html_url"] = $"https://github.com/{owner}" },
            ["repository_selection"] = "all",
            ["access_tokens_url"] = $"{BaseUrl}app/installations/{id}/access_tokens",
            ["repositories_url"] = $"{BaseUrl}installation/repositories",
            ["html_url"] = $"https://github.com/organizations/{owner}/settings/installations/{id}",
            ["app_id"] = 1,
            ["app_slug"] = "unikraft-build-farm",
            ["target_id"] = 9_000_001,
            ["target_type"] = "Organization",
            ["permissions"] = new JsonObject { ["checks"] = "write", ["metadata"] = "read" },
            ["events"] = new JsonArray("check_run", "check_suite"),
            ["created_at"] = "2024-01-02T03:04:05Z",
            ["updated_at"] = "2024-01-02T03:04:05Z",
            ["single_file_name"] = null,
        };
        return WriteAsync(context.Response, HttpStatusCode.OK, body.ToJsonString());
    }

    private async Task CreateCheckRunAsync(HttpContext context)
    {
        if (!HasValidInstallationToken(context.Request))
        {
            await Unauthorized(context.Response, "Bad credentials");
            return;
        }

        var request = await JsonNode.ParseAsync(context.Request.Body) as JsonObject ?? [];
        var id = Interlocked.Increment(ref _nextCheckRunId);
        var owner = (string)context.Request.RouteValues["owner"]!;
        var repo = (string)context.Request.RouteValues["repo"]!;
        var run = new JsonObject
        {
            ["id"] = id,
            ["node_id"] = $"CR_kwDO{id}",
            ["head_sha"] = request["head_sha"]?.DeepClone(),
            ["external_id"] = request["external_id"]?.DeepClone() ?? "",
            ["url"] = $"{BaseUrl}repos/{owner}/{repo}/check-runs/{id}",
            ["html_url"] = $"https://github.com/{owner}/{repo}/runs/{id}",
            ["details_url"] = request["details_url"]?.DeepClone(),
            ["status"] = request["status"]?.DeepClone() ?? "queued",
            ["conclusion"] = null,
            ["started_at"] = Iso(_time.GetUtcNow()),
            ["completed_at"] = null,
            ["output"] = new JsonObject { ["title"] = null, ["summary"] = null, ["text"] = null, ["annotations_count"] = 0, ["annotations_url"] = $"{BaseUrl}repos/{owner}/{repo}/check-runs/{id}/annotations" },
            ["name"] = request["name"]?.DeepClone(),
            ["check_suite"] = new JsonObject { ["id"] = 5_000_000_001 },
            ["app"] = new JsonObject { ["id"] = 1, ["slug"] = "unikraft-build-farm", ["node_id"] = "A_kwDOAAAAAQ", ["name"] = "Unikraft build farm", ["description"] = "", ["external_url"] = "https://farm.example", ["html_url"] = "https://github.com/apps/unikraft-build-farm", ["created_at"] = "2024-01-02T03:04:05Z", ["updated_at"] = "2024-01-02T03:04:05Z", ["owner"] = new JsonObject { ["login"] = owner, ["id"] = 9_000_001, ["type"] = "Organization", ["site_admin"] = false }, ["permissions"] = new JsonObject { ["checks"] = "write" }, ["events"] = new JsonArray() },
            ["pull_requests"] = new JsonArray(),
        };
        _checkRuns[id] = run;
        await WriteAsync(context.Response, HttpStatusCode.Created, run.ToJsonString());
    }

    private async Task UpdateCheckRunAsync(HttpContext context)
    {
        if (!HasValidInstallationToken(context.Request))
        {
            await Unauthorized(context.Response, "Bad credentials");
            return;
        }

        var id = long.Parse((string)context.Request.RouteValues["checkRunId"]!, CultureInfo.InvariantCulture);
        if (!_checkRuns.TryGetValue(id, out var run))
        {
            await WriteAsync(context.Response, HttpStatusCode.NotFound, """{"message":"Not Found"}""");
            return;
        }

        var request = await JsonNode.ParseAsync(context.Request.Body) as JsonObject ?? [];
        lock (run)
        {
            foreach (var field in new[] { "name", "details_url", "external_id", "status", "conclusion", "started_at", "completed_at" })
            {
                if (request[field] is { } value)
                {
                    run[field] = value.DeepClone();
                }
            }

            if (request["output"] is JsonObject output)
            {
                var stored = run["output"]!.AsObject();
                stored["title"] = output["title"]?.DeepClone();
                stored["summary"] = output["summary"]?.DeepClone();
                stored["text"] = output["text"]?.DeepClone() ?? stored["text"]?.DeepClone();
                // GitHub appends the annotations of every update.
                stored["annotations_count"] = stored["annotations_count"]!.GetValue<int>() + (output["annotations"]?.AsArray().Count ?? 0);
            }
        }

        await WriteAsync(context.Response, HttpStatusCode.OK, run.ToJsonString());
    }

    private static bool IsAppJwt(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var header
        && header.StartsWith("Bearer ", StringComparison.Ordinal)
        && header["Bearer ".Length..].Split('.').Length == 3;

    /// <summary>GitHub takes an installation token as <c>token X</c> or <c>Bearer X</c>, the scheme in any case.</summary>
    private bool HasValidInstallationToken(HttpRequest request)
    {
        var parts = request.Headers.Authorization.ToString().Split(' ', 2);
        return parts is [var scheme, var token]
            && (scheme.Equals("token", StringComparison.OrdinalIgnoreCase) || scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase))
            && _tokens.TryGetValue(token, out var expiresAt)
            && _time.GetUtcNow() < expiresAt;
    }

    private static Task Unauthorized(HttpResponse response, string message) =>
        WriteAsync(response, HttpStatusCode.Unauthorized, new JsonObject { ["message"] = message, ["documentation_url"] = "https://docs.github.com/rest" }.ToJsonString());
}

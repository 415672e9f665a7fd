using Farm.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Text.Json;
using Farm.Builds;
using Farm.Core.Builds;
using Farm.Core.Builds.Signals;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Http;
using Farm.State.Sources;
using Farm.State.Postgres;

namespace Farm.Serve;

/// <summary>
/// The HTTP API: <c>POST /api/builds</c>, <c>GET /api/builds/{id}</c>, <c>GET /api/builds/{id}/logs?target=</c> (server-sent
/// events, live), <c>POST /api/builds/{id}/cancel</c> and <c>/rebuild</c> (operators; workers: <see cref="WorkersApi"/>). Every route needs a bearer token
/// (checked for all of <c>/api</c> by <see cref="Http.FarmHttp"/>); malformed requests get 400 with the reason, a bad
/// Kraftfile its located errors, a too large upload 413.
/// </summary>
internal static class BuildsApi
{
    /// <returns>The <c>/api</c> group, for the other APIs to join.</returns>
    public static RouteGroupBuilder Map(WebApplication app)
    {
        var api = app.MapGroup("/api");

        api.MapPost("/builds", SubmitAsync).RequireRole(FarmRole.Operator);
        api.MapGet("/builds/{id}", async (string id, IBuildStore store, WorkerRegistry workers, CancellationToken ct) =>
        {
            if (await store.GetAsync(id, ct).ConfigureAwait(false) is not { } build)
            {
                return Results.Json(new { error = $"no build {id}" }, statusCode: 404);
            }

            var targets = await store.GetTargetsAsync(id, ct).ConfigureAwait(false);
            var known = targets.Any(t => t.State == TargetState.Queued) ? await workers.ListAsync(ct).ConfigureAwait(false) : [];
            return Results.Json(Describe(build, targets, known));
        });
        api.MapPost("/builds/{id}/cancel", async (string id, IBuildStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct).ConfigureAwait(false) is null
                ? Results.Json(new { error = $"no build {id}" }, statusCode: 404)
                : await store.CancelAsync(id, ct).ConfigureAwait(false)
                    ? Results.Json(new { id, state = "cancelled" }, statusCode: 202)
                    : Results.Json(new { error = $"build {id} has already finished" }, statusCode: 409)).RequireRole(FarmRole.Operator);
        api.MapPost("/builds/{id}/rebuild", async (string id, BuildRebuilder rebuilder, CancellationToken ct) =>
            await rebuilder.RebuildAsync(id, ct).ConfigureAwait(false) switch
            {
                { Id: { } rebuilt } => Results.Json(new { id = rebuilt, rebuildOf = id }, statusCode: 202),
                { Missing: true, Problem: var missing } => Results.Json(new { error = missing }, statusCode: 404),
                var refused => Results.Json(new { error = refused.Problem }, statusCode: 409),
            }).RequireRole(FarmRole.Operator);
        api.MapGet("/builds/{id}/logs", LogsAsync);
        return api;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, BuildSubmitter submitter, SourceCheckout sources, UploadStore uploads, IBuildStore store, FarmOptions options, Hangfire.IBackgroundJobClient jobs, CancellationToken ct)
    {
        if (request.ContentType?.Split(';')[0].Trim() is "application/x-tar" or "application/gzip" or "application/x-gzip" or "application/octet-stream")
        {
            return await SubmitUploadAsync(request, submitter, sources, uploads, options, ct).ConfigureAwait(false);
        }

        JsonElement body;
        try
        {
            body = (await JsonDocument.ParseAsync(request.Body, cancellationToken: ct).ConfigureAwait(false)).RootElement;
        }
        catch (JsonException ex)
        {
            return Bad($"the body is not JSON: {ex.Message}");
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return Bad("the body must be a JSON object with source, kraftfile and image");
        }

        if (!body.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
        {
            return Bad("source: required, {\"git\":\"URL\",\"commit\":\"SHA\"}");
        }

        if (Text(source, "git") is not { } url || Text(source, "commit") is not { } commit)
        {
            return Bad("source.git and source.commit are both required (or POST the source as a tar: Content-Type: application/x-tar, ?image=...&kraftfile=...)");
        }

        // Before git ever sees them: a URL outside the allow-list (file://, ext::, --upload-pack=...) or a commit
        // that reads as an option is the client's mistake, not something to try.
        if (sources.Policy.WhyNotAllowed(url) is { } refused)
        {
            return Bad($"source.git: {refused}");
        }

        if (Core.Sources.SourcePolicy.WhyNotAVersion(commit) is { } badCommit)
        {
            return Bad($"source.commit: {badCommit}");
        }

        if (Text(body, "image") is not { } image || !OciReference.TryParse(options.Qualify(image), out var reference, out _) || reference.IsLayout || reference.Digest is not null)
        {
            return Bad($"image: a registry repository and tag to publish to (host:port/repo:tag){(Text(body, "image") is { } given ? $"; '{given}' is not one" : string.Empty)}");
        }

        var kraftfile = Text(body, "kraftfile") ?? "Kraftfile";
        if (Path.IsPathRooted(kraftfile) || kraftfile.Split('/').Contains(".."))
        {
            return Bad($"kraftfile: '{kraftfile}' must be a path inside the source");
        }

        var scope = ApiAuthentication.Scope(request.HttpContext, Text(body, "scope") ?? "trusted");
        if (scope is not ("trusted" or "untrusted"))
        {
            return Bad($"scope: '{scope}' is not trusted or untrusted");
        }

        if (WhyNotABranch(Text(body, "branch")) is { } badBranch)
        {
            return Bad(badBranch);
        }

        var targets = new List<string>();
        if (body.TryGetProperty("targets", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            {
                return Bad("targets: a list of strings (plat/arch or target names)");
            }

            targets.AddRange(list.EnumerateArray().Select(t => t.GetString()!));
        }

        // Fetching the commit takes from a fraction of a second to minutes: a control job does it, then plans the
        // Kraftfile. Until then the build is resolving; a commit that cannot be had fails it with the reason.
        var directory = Path.GetFileName(Path.GetDirectoryName(kraftfile)) is { Length: > 0 } d ? d : Path.GetFileNameWithoutExtension(url.TrimEnd('/'));
        var build = new BuildRecord(BuildSubmitter.NewBuildId(), directory, kraftfile, reference.ToString(), scope, DateTimeOffset.UtcNow)
        {
            State = BuildState.Resolving,
            SigningKeyFile = options.Signing.KeyFile,
            GitUrl = url,
            GitCommit = commit,
            Trigger = Trigger(request.HttpContext),
            Branch = Text(body, "branch"),
        };
        await store.CreateAsync(build, [], ct).ConfigureAwait(false);
        ResolveBuildJob.Enqueue(jobs, build.Id, targets);
        return Results.Json(new { id = build.Id, state = build.State.Name() }, statusCode: 202);
    }

    /// <summary>
    /// An uploaded source: the body is a tar (or tar.gz) of the source tree; <c>?image=</c>, <c>&amp;kraftfile=</c>,
    /// <c>&amp;targets=a,b</c> and <c>&amp;scope=</c> say the rest. The archive is kept by digest in the source store
    /// (<see cref="UploadStore"/>) for the workers; the database holds only the digest.
    /// </summary>
    private static async Task<IResult> SubmitUploadAsync(HttpRequest request, BuildSubmitter submitter, SourceCheckout sources, UploadStore uploads, FarmOptions options, CancellationToken ct)
    {
        if (await BodyLimit.ReadAsync(request, options.Sources.MaxMegabytes, ct).ConfigureAwait(false) is not { } archive)
        {
            return BodyLimit.TooLarge(request.HttpContext);
        }

        var query = request.Query;
        string? Query(string name) => query.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text : null;
        if (Query("image") is not { } image || !OciReference.TryParse(options.Qualify(image), out var reference, out _) || reference.IsLayout || reference.Digest is not null)
        {
            return Bad("image: the query parameter ?image=host:port/repo:tag names where to publish");
        }

        var kraftfile = Query("kraftfile") ?? "Kraftfile";
        if (Path.IsPathRooted(kraftfile) || kraftfile.Split('/').Contains(".."))
        {
            return Bad($"kraftfile: '{kraftfile}' must be a path inside the source");
        }

        var scope = ApiAuthentication.Scope(request.HttpContext, Query("scope") ?? "trusted");
        if (scope is not ("trusted" or "untrusted"))
        {
            return Bad($"scope: '{scope}' is not trusted or untrusted");
        }

        if (WhyNotABranch(Query("branch")) is { } badBranch)
        {
            return Bad(badBranch);
        }

        var (root, refused) = UploadedSource.Unpack(archive, sources.CacheDirectory);
        if (root is null)
        {
            return Results.Json(new { error = "the uploaded source was refused", refused }, statusCode: 400);
        }

        string digest;
        try
        {
            digest = await uploads.PutAsync(archive, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RegistryException or IOException or HttpRequestException or TimeoutException)
        {
            return Results.Json(new { error = $"the uploaded source cannot be stored in the source store {uploads.Location}: {ex.Message}" }, statusCode: 503);
        }

        var targets = Query("targets")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var (build, errors) = await submitter.SubmitAsync(
            new BuildRequest(Path.Combine(root, kraftfile), reference.ToString(), targets)
            {
                Scope = scope,
                SigningKeyFile = options.Signing.KeyFile,
                Upload = new UploadedArchive(root, digest),
                Trigger = Trigger(request.HttpContext),
                Branch = Query("branch"),
            },
            ct).ConfigureAwait(false);
        return build is null
            ? Results.Json(new { error = "the Kraftfile cannot be built", errors = errors.Select(e => e.Replace(root + "/", string.Empty, StringComparison.Ordinal)) }, statusCode: 400)
            : Results.Json(new { id = build.Id }, statusCode: 202);
    }

    private static async Task LogsAsync(string id, string? target, HttpContext context, IBuildStore store)
    {
        var ct = context.RequestAborted;
        var targets = await store.GetTargetsAsync(id, ct).ConfigureAwait(false);
        var chosen = targets.FirstOrDefault(t => t.Name == target || t.Target == target || t.PlatformName == target) ?? (target is null && targets.Count == 1 ? targets[0] : null);
        if (chosen is null)
        {
            context.Response.StatusCode = targets.Count == 0 ? 404 : 400;
            await context.Response.WriteAsJsonAsync(new { error = targets.Count == 0 ? $"no build {id}" : $"target: one of {string.Join(", ", targets.Select(t => t.Name))}" }, ct).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var sent = 0;
        // Taken before the first read: a line appended between a read and the wait wakes the wait (NOTIFY on farm serve).
        using var watch = store.Watch(id, BuildChanges.Log | BuildChanges.Targets);
        while (!ct.IsCancellationRequested)
        {
            var final = (await store.GetTargetsAsync(id, ct).ConfigureAwait(false)).First(t => t.Name == chosen.Name).State.IsFinal();
            var lines = await store.ReadLogAsync(id, chosen.Name, sent, ct).ConfigureAwait(false);
            foreach (var line in lines)
            {
                await context.Response.WriteAsync($"data: {line.Replace("\r", string.Empty, StringComparison.Ordinal)}\n\n", ct).ConfigureAwait(false);
            }

            sent += lines.Count;
            await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            if (final && lines.Count == 0)
            {
                await context.Response.WriteAsync("event: end\ndata: \n\n", ct).ConfigureAwait(false);
                return;
            }

            await watch.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <param name="workers">The registered workers: a queued target no live one serves says it is waiting for one.</param>
    private static object Describe(BuildRecord build, IReadOnlyList<TargetRecord> targets, IReadOnlyList<WorkerInfo> workers) => new
    {
        id = build.Id,
        app = build.App,
        state = build.State.Name(),
        image = build.Output,
        indexDigest = build.IndexDigest,
        reason = build.Reason,
        targets = targets.Select(t => new
        {
            name = t.Target,
            kernel = t.Name,
            platform = t.Platform,
            architecture = t.Architecture,
            state = t.State.Name(),
            phase = t.Phase,
            worker = t.Worker,
            manifestDigest = t.ManifestDigest,
            seconds = t.BuildSeconds,
            bootSeconds = t.BootSeconds,
            cached = t.Cached,
            cache = new { hits = t.CacheHits, misses = t.CacheMisses, errors = t.CacheErrors },
            reason = t.State == TargetState.Queued && WorkerWatchdog.Waiting(t.Queue, workers) is { } waiting
                ? (t.Reason is null ? waiting : $"{t.Reason}; {waiting}")
                : t.Reason,
        }),
    };

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>A build authenticated by a workflow's OIDC token came from the action; any other from the API.</summary>
    private static string Trigger(HttpContext context) =>
        context.Items.ContainsKey(ApiAuthentication.OidcScopeItem) ? BuildTriggers.Action : BuildTriggers.Api;

    /// <summary>The optional branch a caller names for the dashboard: a short line of text, never markup or control characters.</summary>
    private static string? WhyNotABranch(string? branch) =>
        branch is not null && (branch.Length > 255 || branch.Any(char.IsControl)) ? "branch: at most 255 characters, no control characters" : null;

    private static IResult Bad(string reason) => Results.Json(new { error = reason }, statusCode: 400);
}

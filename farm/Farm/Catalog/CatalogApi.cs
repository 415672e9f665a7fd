using Farm.Core.Builds;
using Hangfire;
using Hangfire.States;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Farm.Http;

namespace Farm.Catalog;

/// <summary>
/// <c>GET /api/catalog</c>: the latest catalog rebuild as a grid, one row per app and one column per platform, each cell
/// a target's state; <c>POST /api/catalog/rebuild</c> starts one now.
/// </summary>
internal static class CatalogApi
{
    public static void Map(RouteGroupBuilder api, bool configured)
    {
        api.MapGet("/catalog", async (CatalogStore catalog, IBuildStore builds, CancellationToken ct) =>
        {
            if (await catalog.LatestAsync(ct).ConfigureAwait(false) is not { } run)
            {
                return Results.Json(new { error = "no catalog rebuild has run yet" }, statusCode: 404);
            }

            var rows = new List<object>();
            var platforms = new SortedSet<string>(StringComparer.Ordinal);
            var open = 0;
            foreach (var entry in run.Entries)
            {
                var build = entry.BuildId is { } id ? await builds.GetAsync(id, ct).ConfigureAwait(false) : null;
                var targets = entry.BuildId is { } buildId ? await builds.GetTargetsAsync(buildId, ct).ConfigureAwait(false) : [];
                var cells = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var target in targets)
                {
                    var column = target.Target == build?.App ? target.PlatformName : $"{target.PlatformName} ({target.Target})";
                    platforms.Add(column);
                    cells[column] = target.Cached && target.State == TargetState.Succeeded ? "cached" : target.State.Name();
                }

                open += build is { State: BuildState.Running or BuildState.Queued } ? 1 : 0;
                rows.Add(new { kraftfile = entry.Kraftfile, app = build?.App, build = entry.BuildId, state = build?.State.Name() ?? "not built", image = build?.Output, indexDigest = build?.IndexDigest, error = entry.Error ?? build?.Reason, targets = cells });
            }

            return Results.Json(new { id = run.Id, started = run.Started, repository = run.Repository, commit = run.Commit, trigger = run.Trigger, error = run.Error, finished = open == 0, platforms, apps = rows });
        });
        api.MapPost("/catalog/rebuild", (IBackgroundJobClient jobs) =>
        {
            if (!configured)
            {
                return Results.Json(new { error = "no catalog is configured (Farm__Catalog__Repository)" }, statusCode: 409);
            }

            var job = jobs.Create(Hangfire.Common.Job.FromExpression<CatalogRebuildJob>(j => j.RunAsync("api", CancellationToken.None)), new EnqueuedState(FarmQueues.Control));
            return Results.Json(new { job }, statusCode: 202);
        }).RequireRole(Configuration.FarmRole.Operator);
    }
}

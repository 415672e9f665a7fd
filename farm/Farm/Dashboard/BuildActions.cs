using Farm.Builds;
using Farm.Configuration;
using Farm.Core.Builds;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>The build page's Cancel and Rebuild (operators, anti-forgery checked): each answers by going back to a build page.</summary>
internal static class BuildActions
{
    public static async Task<IResult> CancelAsync(string id, HttpContext context, DashboardAccess access, IBuildStore store)
    {
        if (await access.RefuseActionAsync(context, FarmRole.Operator).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            return Pages.Error(context, StatusCodes.Status404NotFound, $"no build {id}");
        }

        var cancelled = await store.CancelAsync(id, context.RequestAborted).ConfigureAwait(false);
        return Pages.WantsJson(context)
            ? Results.Json(cancelled ? new { id, state = "cancelled" } : (object)new { error = $"build {id} has already finished" }, statusCode: cancelled ? 202 : 409)
            : Results.Redirect($"/builds/{Uri.EscapeDataString(id)}");
    }

    public static async Task<IResult> RebuildAsync(string id, HttpContext context, DashboardAccess access, BuildRebuilder rebuilder)
    {
        if (await access.RefuseActionAsync(context, FarmRole.Operator).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var (rebuilt, problem, missing) = await rebuilder.RebuildAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (rebuilt is null)
        {
            return Pages.Error(context, missing ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict, problem ?? "not rebuilt");
        }

        return Pages.WantsJson(context) ? Results.Json(new { id = rebuilt, rebuildOf = id }, statusCode: 202) : Results.Redirect($"/builds/{Uri.EscapeDataString(rebuilt)}");
    }
}

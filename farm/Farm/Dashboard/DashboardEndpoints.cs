using Farm.Configuration;
using Farm.Core.Builds;
using Farm.Http;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// The dashboard's routes on <c>farm serve</c>: pages (HTML, or JSON with <c>Accept: application/json</c>), sign-in, the
/// build actions, badges, its stylesheet and script, and Hangfire's own dashboard at <c>/hangfire</c> (admins; operators
/// read only; viewers 403).
/// </summary>
internal static class DashboardEndpoints
{
    public static void MapDashboard(this WebApplication app, DashboardAccess access, JobStorage storage)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(access);
        app.MapGet("/dashboard.css", () => Results.Text(DashboardAssets.Css, "text/css; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Results.Text(DashboardAssets.Js, "text/javascript; charset=utf-8"));
        app.MapGet("/login", (HttpContext context) => LoginPage.Get(context));
        app.MapPost("/login", LoginPage.PostAsync).DisableAntiforgery();
        app.MapPost("/logout", LoginPage.LogoutAsync).DisableAntiforgery();
        app.MapGet("/theme", LoginPage.Theme);

        var pages = app.MapGroup(string.Empty).AddEndpointFilter(access.ReadAsync);
        pages.MapGet("/", BuildsPage.GetAsync);
        pages.MapGet("/builds/{id}", BuildPage.GetAsync);
        pages.MapGet("/builds/{id}/targets/{kernel}", TargetLogPage.GetAsync);
        pages.MapGet("/builds/{id}/targets/{kernel}/log.txt", TargetLogPage.RawAsync);
        pages.MapGet("/builds/{id}/targets/{kernel}/events", TargetLogPage.EventsAsync);
        pages.MapGet("/builds/{id}/targets/{kernel}/first-error", LogSearch.GetAsync);
        pages.MapGet("/catalog", CatalogPage.GetAsync);
        pages.MapGet("/badges/{app}", (string app, HttpContext context, IBuildStore store, FarmOptions options) => CatalogPage.BadgeAsync(app, null, context, store, options));
        pages.MapGet("/badges/{app}/{cell}", (string app, string cell, HttpContext context, IBuildStore store, FarmOptions options) => CatalogPage.BadgeAsync(app, cell, context, store, options));
        pages.MapGet("/workers", WorkersPage.GetAsync);
        pages.MapGet("/cache", CachePage.GetAsync);
        app.MapPost("/builds/{id}/cancel", BuildActions.CancelAsync).DisableAntiforgery();
        app.MapPost("/builds/{id}/rebuild", BuildActions.RebuildAsync).DisableAntiforgery();

        // Before Hangfire's middleware: who may see it at all. Its own filter then admits the same roles again.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/hangfire"), branch => branch.Use(async (context, next) =>
        {
            var (caller, refusal) = access.Identify(context);
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (caller is null)
            {
                context.Response.Redirect($"/login?return={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
                return;
            }

            if (!caller.May(FarmRole.Operator))
            {
                await Pages.Error(context, StatusCodes.Status403Forbidden, $"Hangfire's dashboard needs the operator role (read only) or admin; yours is {ApiToken.Name(caller.Role)}").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        }));
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new RoleFilter()],
            IsReadOnlyFunc = context => FarmCaller.Of(context.GetHttpContext())?.May(FarmRole.Admin) != true,
            AppPath = "/",
            DashboardTitle = "unikernel farm · Hangfire",
        }, storage);
    }

    /// <summary>Hangfire's own check: operators and admins (the middleware before it has already identified them).</summary>
    private sealed class RoleFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => FarmCaller.Of(context.GetHttpContext())?.May(FarmRole.Operator) == true;
    }
}

using Farm.Http;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>How a page answers: HTML for a browser, the same model as JSON when asked with <c>Accept: application/json</c>.</summary>
internal static class Pages
{
    public const string ThemeCookie = "farm_theme";

    public static bool WantsJson(HttpContext context) =>
        context.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);

    public static PageContext Context(HttpContext context, string section)
    {
        var caller = FarmCaller.Of(context);
        var theme = context.Request.Cookies[ThemeCookie] is "dark" or "light" ? context.Request.Cookies[ThemeCookie] : null;
        return new PageContext(caller, DashboardSession.AntiForgeryToken(context, caller?.Session), theme, context.Request.Path + context.Request.QueryString, section);
    }

    /// <summary>The model as JSON, or the HTML the renderer makes of it.</summary>
    public static IResult Answer(HttpContext context, object model, Func<string> html) =>
        WantsJson(context) ? Results.Json(model) : Results.Content(html(), "text/html; charset=utf-8");

    public static IResult Error(HttpContext context, int status, string reason)
    {
        if (WantsJson(context) || context.Request.Path.StartsWithSegments("/api"))
        {
            return Results.Json(new { error = reason }, statusCode: status);
        }

        var page = Context(context, string.Empty);
        return Results.Content(Html.Page(page, $"{status}", $"<section class=\"error\"><h1>{status}</h1><p>{Html.E(reason)}</p><p><a href=\"/\">Builds</a></p></section>"), "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>A local path to return to after signing in or switching the theme: never another site (//host, /\host, a scheme).</summary>
    public static string SafeReturn(string? path) =>
        path is { Length: > 0 and < 2000 } p && p[0] == '/' && (p.Length == 1 || (p[1] != '/' && p[1] != '\\')) && !p.Any(char.IsControl) ? p : "/";
}

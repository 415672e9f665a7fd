using System.Security.Cryptography;
using Farm.Http;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/login</c>: a token in, a session cookie out. The form carries a one-time value also set as a cookie (double
/// submit), so another site cannot sign a browser in with its own token; a wrong token counts as a failed authentication.
/// </summary>
internal static class LoginPage
{
    private const string LoginCookie = "farm_login";

    public static IResult Get(HttpContext context, string? problem = null)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Response.Cookies.Append(LoginCookie, nonce, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/login" });
        var back = Pages.SafeReturn(context.Request.Query["return"]);
        var body = $"""
            <section class="login"><h1>Sign in</h1>
            {(problem is null ? string.Empty : $"<p class=\"reason\" role=\"alert\">{Html.E(problem)}</p>")}
            <form method="post" action="/login"><input type="hidden" name="{DashboardSession.FormField}" value="{nonce}"><input type="hidden" name="return" value="{Html.E(back)}">
            <label>API token <input type="password" name="token" autocomplete="current-password" required></label>
            <button id="sign-in">Sign in</button></form>
            <p class="meta">A token of Farm__ApiTokens__N (viewer:, operator: or admin:). The session lasts {DashboardSession.Lifetime.TotalHours:0} hours.</p></section>
            """;
        return Results.Content(Html.Page(Pages.Context(context, string.Empty), "Sign in", body), "text/html; charset=utf-8", statusCode: problem is null ? 200 : 401);
    }

    public static async Task<IResult> PostAsync(HttpContext context, DashboardAccess access, FailedAuthentications failures)
    {
        if (!context.Request.HasFormContentType)
        {
            return Pages.Error(context, StatusCodes.Status400BadRequest, "sign in with the form at /login");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var nonce = context.Request.Cookies[LoginCookie];
        if (nonce is not { Length: 32 } || form[DashboardSession.FormField] != nonce)
        {
            return Pages.Error(context, StatusCodes.Status403Forbidden, "the sign-in form expired or came from elsewhere: open /login again");
        }

        if (failures.Blocked(context) is { } blocked)
        {
            return blocked;
        }

        if (access.Tokens.Match(form["token"].ToString()) is not { } token)
        {
            // Counted and logged as any failed authentication; the form says only that the token was refused.
            _ = failures.Refuse(context, "the dashboard sign-in token is not one of this farm's");
            return Get(context, "That token is not one of this farm's.");
        }

        DashboardSession.SignIn(context, token, DateTimeOffset.UtcNow);
        context.Response.Cookies.Delete(LoginCookie, new CookieOptions { Path = "/login" });
        return Results.Redirect(Pages.SafeReturn(form["return"]));
    }

    public static async Task<IResult> LogoutAsync(HttpContext context, DashboardAccess access)
    {
        var (caller, _) = access.Identify(context);
        if (caller is { Session: { } session } && !await DashboardSession.HasAntiForgeryTokenAsync(context, session).ConfigureAwait(false))
        {
            return Pages.Error(context, StatusCodes.Status403Forbidden, "the anti-forgery token is missing or wrong: reload the page and try again");
        }

        DashboardSession.SignOut(context);
        return Results.Redirect("/login");
    }

    /// <summary><c>/theme?set=dark|light|system&amp;return=PATH</c>: remembered for a year in a cookie; works without scripts.</summary>
    public static IResult Theme(HttpContext context)
    {
        var set = context.Request.Query["set"].ToString();
        if (set is "dark" or "light")
        {
            context.Response.Cookies.Append(Pages.ThemeCookie, set, new CookieOptions { SameSite = SameSiteMode.Lax, Path = "/", MaxAge = TimeSpan.FromDays(365), Secure = context.Request.IsHttps });
        }
        else
        {
            context.Response.Cookies.Delete(Pages.ThemeCookie, new CookieOptions { Path = "/" });
        }

        return Results.Redirect(Pages.SafeReturn(context.Request.Query["return"]));
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Farm.Http;

/// <summary>
/// A signed-in browser: the cookie holds the token's public id, an expiry and an HMAC of both under a key derived from the
/// token's secret, never the secret. It survives a farm restart and works on every farm replica, and ends when it expires
/// or its token is removed. HttpOnly (scripts cannot read it) and SameSite=Strict (other sites cannot send it). The
/// anti-forgery token of the session's forms is an HMAC of the cookie under the same key: a page of this farm can embed
/// it, another site can neither read nor compute it.
/// </summary>
internal static class DashboardSession
{
    public const string CookieName = "farm_session";

    /// <summary>The form field and the header (for scripts) that carry the anti-forgery token.</summary>
    public const string FormField = "_csrf";

    public const string Header = "X-Farm-Csrf";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static void SignIn(HttpContext context, ApiTokenSet.Entry token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(token);
        var expires = now + Lifetime;
        var payload = $"{token.Id}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        context.Response.Cookies.Append(CookieName, $"{payload}.{Mac(token.SessionKey, payload)}", new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            Expires = expires,
        });
    }

    public static void SignOut(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict, HttpOnly = true });
    }

    /// <summary>The token the request's cookie was signed for, when the cookie is genuine and unexpired; else null.</summary>
    public static ApiTokenSet.Entry? Verify(HttpContext context, ApiTokenSet tokens, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tokens);
        if (context.Request.Cookies[CookieName] is not { Length: < 200 } cookie || cookie.Split('.') is not [var id, var expiry, var mac]
            || !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < now.ToUnixTimeSeconds()
            || tokens.ById(id) is not { } token)
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(token.SessionKey, $"{id}.{expiry}"));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac)) ? token : null;
    }

    /// <summary>The anti-forgery token of the request's session (empty without one).</summary>
    public static string AntiForgeryToken(HttpContext context, ApiTokenSet.Entry? session) =>
        session is null || context.Request.Cookies[CookieName] is not { } cookie ? string.Empty : Mac(session.SessionKey, "csrf\n" + cookie);

    /// <summary>Whether an unsafe request carries its session's anti-forgery token (header, or form field of a form post).</summary>
    public static async Task<bool> HasAntiForgeryTokenAsync(HttpContext context, ApiTokenSet.Entry session)
    {
        ArgumentNullException.ThrowIfNull(context);
        string presented = context.Request.Headers[Header].ToString();
        if (presented.Length == 0 && context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            presented = form[FormField].ToString();
        }

        var expected = AntiForgeryToken(context, session);
        return expected.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));
    }

    private static string Mac(byte[] key, string payload) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

using Farm.Configuration;
using Farm.GitHub.Oidc;
using Farm.Http;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// Who may see and do what on the dashboard. A bearer token works on every page (scripts), else the session cookie of
/// /login; with neither, pages are readable only when <c>Farm__Dashboard__AnonymousRead</c> is on, and otherwise send a
/// browser to /login (a script gets 401). Actions need their role and, from a browser session, the anti-forgery token.
/// A wrong bearer token is a failed authentication, counted and throttled like the API's.
/// </summary>
internal sealed class DashboardAccess
{
    private readonly ApiTokenSet _tokens;
    private readonly bool _anonymousRead;
    private readonly FailedAuthentications _failures;

    public DashboardAccess(ApiTokenSet tokens, bool anonymousRead, FailedAuthentications failures)
    {
        _tokens = tokens;
        _anonymousRead = anonymousRead;
        _failures = failures;
    }

    public ApiTokenSet Tokens => _tokens;

    /// <summary>The caller (attached to the request), null for anonymous, or the refusal of a wrong bearer token.</summary>
    public (FarmCaller? Caller, IResult? Refusal) Identify(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (FarmCaller.Of(context) is { } known)
        {
            return (known, null);
        }

        if (BearerToken.From(context.Request.Headers.Authorization.ToString()) is { } token)
        {
            if (_failures.Blocked(context) is { } blocked)
            {
                return (null, blocked);
            }

            if (_tokens.Match(token) is not { } entry)
            {
                return (null, _failures.Refuse(context, "the API token is not one of this farm's (Authorization: Bearer TOKEN)"));
            }

            var bearer = new FarmCaller(entry.Role, ViaCookie: false, null);
            bearer.Attach(context);
            return (bearer, null);
        }

        if (DashboardSession.Verify(context, _tokens, DateTimeOffset.UtcNow) is { } session)
        {
            var caller = new FarmCaller(session.Role, ViaCookie: true, session);
            caller.Attach(context);
            return (caller, null);
        }

        return (null, null);
    }

    /// <summary>The filter of every page: readable by any role, or by anyone with anonymous reading on.</summary>
    public async ValueTask<object?> ReadAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(next);
        var context = invocation.HttpContext;
        var (caller, refusal) = Identify(context);
        if (refusal is not null)
        {
            return refusal;
        }

        if (caller is null && !_anonymousRead)
        {
            return Pages.WantsJson(context)
                ? Results.Json(new { error = "sign in: Authorization: Bearer TOKEN, or /login" }, statusCode: StatusCodes.Status401Unauthorized)
                : Results.Redirect($"/login?return={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
        }

        return await next(invocation).ConfigureAwait(false);
    }

    /// <summary>Null when the caller may act with <paramref name="needed"/>; else the 401/403 that says why.</summary>
    public async Task<IResult?> RefuseActionAsync(HttpContext context, FarmRole needed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (caller, refusal) = Identify(context);
        if (refusal is not null)
        {
            return refusal;
        }

        if (caller is null)
        {
            return Pages.Error(context, StatusCodes.Status401Unauthorized, $"this needs the {ApiToken.Name(needed)} role: sign in");
        }

        if (!caller.May(needed))
        {
            return Pages.Error(context, StatusCodes.Status403Forbidden, $"this needs the {ApiToken.Name(needed)} role; yours is {ApiToken.Name(caller.Role)}");
        }

        if (caller is { ViaCookie: true, Session: { } session } && !await DashboardSession.HasAntiForgeryTokenAsync(context, session).ConfigureAwait(false))
        {
            return Pages.Error(context, StatusCodes.Status403Forbidden, "the anti-forgery token is missing or wrong: reload the page and try again");
        }

        return null;
    }
}

using System.Security.Cryptography;
using System.Text;
using Farm.Configuration;
using Farm.GitHub.Oidc;
using Farm.Http;
using Microsoft.AspNetCore.Http;

namespace Farm.Serve;

/// <summary>
/// Who may call the API: a farm API token (compared in constant time), or, when OIDC rules are configured, a GitHub
/// Actions OIDC token, which the verifier alone judges and which also sets the build's scope (a pull request's token
/// builds untrusted whatever the request asks). A request without either gets 401 with the reason and changes nothing
/// (<see cref="Http.FarmHttp"/> answers it, counts it and logs it). An accepted caller's rate-limit partition is a hash of
/// its token.
/// </summary>
internal sealed class ApiAuthentication : Farm.Http.IRequestAuthenticator
{
    /// <summary>The <see cref="HttpContext.Items"/> key of the scope an OIDC token earned.</summary>
    public const string OidcScopeItem = "farm.oidc.scope";

    private readonly ApiTokenSet _tokens;
    private readonly GitHubOidcVerifier? _oidc;

    public ApiAuthentication(ApiTokenSet tokens, GitHubOidcVerifier? oidc = null)
    {
        _tokens = tokens;
        _oidc = oidc;
    }

    /// <summary>
    /// Null when the caller may go on (its <see cref="FarmCaller"/> attached: the token's role, operator for an OIDC token);
    /// otherwise why not. Without a bearer token, the dashboard's session cookie is accepted too, with its anti-forgery
    /// token on anything but GET and HEAD.
    /// </summary>
    public async Task<string?> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(context.Request.Headers.Authorization.ToString());
        if (token is null)
        {
            if (DashboardSession.Verify(context, _tokens, DateTimeOffset.UtcNow) is not { } session)
            {
                return "a valid API token is required (Authorization: Bearer TOKEN)";
            }

            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !await DashboardSession.HasAntiForgeryTokenAsync(context, session).ConfigureAwait(false))
            {
                return $"the anti-forgery token is missing or wrong ({DashboardSession.Header} or the form's {DashboardSession.FormField}): reload the page";
            }

            new FarmCaller(session.Role, ViaCookie: true, session).Attach(context);
            context.Items[Http.FarmRateLimits.CallerItem] = $"token {session.Id}";
            return null;
        }

        if (_oidc is not null && BearerToken.IsJwt(token))
        {
            var verdict = await _oidc.VerifyAsync(token, cancellationToken).ConfigureAwait(false);
            if (!verdict.IsValid)
            {
                return $"the OIDC token was refused: {verdict.Reason}";
            }

            context.Items[OidcScopeItem] = verdict.Scope;
            context.Items[Http.FarmRateLimits.CallerItem] = Caller("oidc", token);
            new FarmCaller(FarmRole.Operator, ViaCookie: false, null).Attach(context);
            return null;
        }

        if (_tokens.Match(token) is not { } known)
        {
            return "the API token is not one of this farm's (Authorization: Bearer TOKEN)";
        }

        context.Items[Http.FarmRateLimits.CallerItem] = Caller("token", token);
        new FarmCaller(known.Role, ViaCookie: false, null).Attach(context);
        return null;
    }

    private static string Caller(string kind, string token) => $"{kind} {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16]}";

    /// <summary>The scope a build gets: what the request asks, narrowed to untrusted when its OIDC token earned no more.</summary>
    public static string Scope(HttpContext context, string requested) =>
        context.Items.TryGetValue(OidcScopeItem, out var earned) && earned is "untrusted" ? "untrusted" : requested;
}

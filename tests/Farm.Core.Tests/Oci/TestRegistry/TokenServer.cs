using System.Net;
using System.Text;
using System.Text.Json;
using Farm.Tests.Support;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// A Docker token server for a <see cref="RegistryServer"/> in <c>auth: token</c> mode, on a free 127.0.0.1 port:
/// <c>GET /token?service=...&amp;scope=repository:NAME:pull,push</c> with HTTP Basic credentials gets a signed
/// bearer token granting exactly the scopes asked for; wrong or missing credentials get 401.
/// </summary>
internal sealed class TokenServer : IAsyncDisposable
{
    /// <summary>The registry's <c>auth.token.service</c>, and the tokens' audience.</summary>
    public const string Service = "test-registry";

    /// <summary>The registry's <c>auth.token.issuer</c>, and the tokens' <c>iss</c>.</summary>
    public const string Issuer = "test-issuer";

    private readonly TestHttpServer _server;
    private readonly TokenSigner _signer;
    private readonly string _username;
    private readonly string _password;
    private int _tokenRequests;
    private int _tokensIssued;

    private TokenServer(TokenSigner signer, string username, string password)
    {
        _signer = signer;
        _username = username;
        _password = password;
        _server = TestHttpServer.Start(AnswerAsync);
        Host = $"127.0.0.1:{_server.Port}";
        BaseUrl = new Uri($"http://{Host}");
        Realm = new Uri(BaseUrl, "/token");
    }

    public string Host { get; }

    public Uri BaseUrl { get; }

    /// <summary><c>http://127.0.0.1:PORT/token</c>: the registry's <c>auth.token.realm</c>.</summary>
    public Uri Realm { get; }

    /// <summary>The signing certificate, PEM: the registry's <c>auth.token.rootcertbundle</c>.</summary>
    public string CertificatePem => _signer.CertificatePem;

    /// <summary>How long issued tokens are valid (<c>expires_in</c>); the registry adds 60 s of leeway to <c>exp</c>.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Every request to <c>/token</c>, granted or not.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>The requests to <c>/token</c> that got a token.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <param name="time">The clock for the tokens' iat/nbf/exp; a test can issue expired tokens with a clock in the past.</param>
    public static Task<TokenServer> StartAsync(string username, string password, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        ct.ThrowIfCancellationRequested();
        var signer = new TokenSigner(time ?? TimeProvider.System);
        try
        {
            return Task.FromResult(new TokenServer(signer, username, password));
        }
        catch
        {
            signer.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _signer.Dispose();
    }

    public override string ToString() => $"token server at {Realm}";

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var response = context.Response;
        if (request.Url?.AbsolutePath != "/token")
        {
            await WriteAsync(response, HttpStatusCode.NotFound, new { errors = new[] { new { code = "NOT_FOUND", message = "only /token is served here" } } });
            return;
        }

        Interlocked.Increment(ref _tokenRequests);
        if (request.HttpMethod != "GET")
        {
            await WriteAsync(response, HttpStatusCode.MethodNotAllowed, new { errors = new[] { new { code = "UNSUPPORTED", message = "only GET /token" } } });
            return;
        }

        var username = Authenticate(request.Headers["Authorization"]);
        if (username is null)
        {
            response.AddHeader("WWW-Authenticate", "Basic realm=\"test-token-server\"");
            await WriteAsync(response, HttpStatusCode.Unauthorized, new { errors = new[] { new { code = "UNAUTHORIZED", message = "wrong or missing credentials" } } });
            return;
        }

        var access = TokenScope.Parse(request.QueryString.GetValues("scope") ?? []);
        var audience = request.QueryString["service"] ?? Service;
        var token = _signer.Issue(username, audience, access, TokenLifetime);
        Interlocked.Increment(ref _tokensIssued);
        await WriteAsync(response, HttpStatusCode.OK, new
        {
            token,
            access_token = token,
            expires_in = (int)TokenLifetime.TotalSeconds,
            issued_at = _signer.Time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ"),
        });
    }

    /// <summary>The user name when the Basic credentials are the configured ones, else null.</summary>
    private string? Authenticate(string? authorization)
    {
        const string Scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[Scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && decoded[..colon] == _username && decoded[(colon + 1)..] == _password ? _username : null;
    }

    private static async Task WriteAsync<T>(HttpListenerResponse response, HttpStatusCode status, T body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        response.StatusCode = (int)status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }
}

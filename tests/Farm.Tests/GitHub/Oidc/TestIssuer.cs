using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Support;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>
/// A stand-in for <c>token.actions.githubusercontent.com</c> on a free 127.0.0.1 port: it serves the public keys it
/// publishes at <c>/.well-known/jwks</c> over real HTTP, and signs tokens shaped like GitHub's with real RSA keys.
/// </summary>
internal sealed class TestIssuer : IAsyncDisposable
{
    public const string Audience = "https://farm.example.test";

    private readonly TestHttpServer _server;
    private readonly List<TestSigningKey> _keys = [];
    private volatile string _jwks = "{\"keys\":[]}";
    private int _jwksRequests;

    private TestIssuer()
    {
        Key = NewKey("key-1");
        Publish(Key);
        _server = TestHttpServer.Start(AnswerAsync);
        Issuer = $"http://127.0.0.1:{_server.Port}";
        JwksUrl = new Uri($"{Issuer}/.well-known/jwks");
    }

    /// <summary>The tokens' <c>iss</c>; the verifier finds the keys under it, as it does GitHub's.</summary>
    public string Issuer { get; }

    public Uri JwksUrl { get; }

    /// <summary>The key published at start and used by <see cref="Sign"/> unless told otherwise.</summary>
    public TestSigningKey Key { get; }

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>When set, <c>/.well-known/jwks</c> answers this status instead of the keys.</summary>
    public HttpStatusCode? Failure { get; set; }

    /// <summary>When set, <c>/.well-known/jwks</c> answers this body instead of the keys.</summary>
    public string? Body { get; set; }

    public static Task<TestIssuer> StartAsync() => Task.FromResult(new TestIssuer());

    /// <summary>A new key pair, owned by this issuer, not published.</summary>
    public TestSigningKey NewKey(string kid)
    {
        var key = new TestSigningKey(kid);
        _keys.Add(key);
        return key;
    }

    /// <summary>From now on the JWKS lists exactly these keys.</summary>
    public void Publish(params TestSigningKey[] keys) =>
        _jwks = JsonSerializer.Serialize(new { keys = keys.Select(k => k.Jwk).ToArray() });

    /// <summary>The claims of a push to main of octo-org/app, as GitHub sends them; tests change what they are about.</summary>
    public Dictionary<string, object> Claims(DateTimeOffset now) => new()
    {
        ["jti"] = Guid.NewGuid().ToString(),
        ["sub"] = "repo:octo-org/app:ref:refs/heads/main",
        ["aud"] = Audience,
        ["ref"] = "refs/heads/main",
        ["sha"] = "d6f3a3c0f3e1b2a4c5d6e7f8091a2b3c4d5e6f70",
        ["repository"] = "octo-org/app",
        ["repository_owner"] = "octo-org",
        ["repository_owner_id"] = "9919",
        ["run_id"] = "1234567890",
        ["run_number"] = "42",
        ["run_attempt"] = "1",
        ["repository_visibility"] = "public",
        ["repository_id"] = "123456",
        ["actor_id"] = "583231",
        ["actor"] = "octocat",
        ["workflow"] = "build",
        ["head_ref"] = "",
        ["base_ref"] = "",
        ["event_name"] = "push",
        ["ref_protected"] = "true",
        ["ref_type"] = "branch",
        ["workflow_ref"] = "octo-org/app/.github/workflows/build.yml@refs/heads/main",
        ["workflow_sha"] = "d6f3a3c0f3e1b2a4c5d6e7f8091a2b3c4d5e6f70",
        ["job_workflow_ref"] = "octo-org/app/.github/workflows/build.yml@refs/heads/main",
        ["job_workflow_sha"] = "d6f3a3c0f3e1b2a4c5d6e7f8091a2b3c4d5e6f70",
        ["runner_environment"] = "github-hosted",
        ["iss"] = Issuer,
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
    };

    /// <summary>A compact JWS of <paramref name="claims"/>: RS256 with <paramref name="key"/> (the published one by default), HS256 keyed with its public PEM, or none.</summary>
    public string Sign(IReadOnlyDictionary<string, object> claims, TestSigningKey? key = null, string alg = "RS256", string? kid = null)
    {
        key ??= Key;
        var header = Encode(new Dictionary<string, string> { ["typ"] = "JWT", ["alg"] = alg, ["x5t"] = key.Kid, ["kid"] = kid ?? key.Kid });
        var signed = $"{header}.{Encode(claims)}";
        var input = Encoding.ASCII.GetBytes(signed);
        var signature = alg switch
        {
            "RS256" => key.Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "HS256" => HMACSHA256.HashData(Encoding.ASCII.GetBytes(key.PublicPem), input),
            "none" => [],
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "RS256, HS256 or none"),
        };
        return $"{signed}.{Base64Url.EncodeToString(signature)}";
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private static string Encode<T>(T value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        if (context.Request.Url?.AbsolutePath != "/.well-known/jwks")
        {
            response.StatusCode = (int)HttpStatusCode.NotFound;
            return;
        }

        Interlocked.Increment(ref _jwksRequests);
        response.StatusCode = (int)(Failure ?? HttpStatusCode.OK);
        var bytes = Encoding.UTF8.GetBytes(Body ?? _jwks);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }
}

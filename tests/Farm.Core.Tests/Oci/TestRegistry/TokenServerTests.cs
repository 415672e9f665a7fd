using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Farm.Core.Tests.Oci.TestRegistry;

public sealed class TokenServerTests
{
    private const string User = "builder";
    private const string Password = "s3cret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnonymousV2_TokenMode_401WithBearerChallenge()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        using var http = Loopback.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(registry.BaseUrl, "/v2/"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal($"realm=\"{tokens.Realm}\",service=\"{TokenServer.Service}\"", challenge.Parameter);
    }

    [Fact]
    public async Task V2_WithTokenFromRealm_200()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        using var http = Loopback.CreateHttpClient();

        var token = await FetchTokenAsync(http, tokens, User, Password, scope: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUrl, "/v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}; registry log:\n{registry.Log}");
        Assert.Equal(1, tokens.TokenRequests);
    }

    [Fact]
    public async Task BlobUpload_TokenForPullPush_202()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        using var http = Loopback.CreateHttpClient();

        var token = await FetchTokenAsync(http, tokens, User, Password, "repository:team/app:pull,push");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(registry.BaseUrl, "/v2/team/app/blobs/uploads/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}; registry log:\n{registry.Log}");
        Assert.NotNull(response.Headers.Location);
    }

    [Fact]
    public async Task BlobUpload_TokenForPullOnly_401WithScopeInChallenge()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        using var http = Loopback.CreateHttpClient();

        var token = await FetchTokenAsync(http, tokens, User, Password, "repository:team/app:pull");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(registry.BaseUrl, "/v2/team/app/blobs/uploads/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        // The registry lists the actions in Go map order: either way round.
        Assert.Matches("scope=\"repository:team/app:(pull,push|push,pull)\"", challenge);
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WrongPassword_401()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        using var http = Loopback.CreateHttpClient();

        using var response = await http.SendAsync(TokenRequest(tokens, User, "not-the-password", "repository:team/app:pull"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, tokens.TokenRequests);
        Assert.Equal(0, tokens.TokensIssued);
    }

    [Fact]
    public async Task Token_Anonymous_401WithBasicChallenge()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        using var http = Loopback.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(tokens.Realm + "?service=test-registry&scope=repository:team/app:pull"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task Token_TwoScopes_GrantsEachWithItsActions()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        using var http = Loopback.CreateHttpClient();

        var token = await FetchTokenAsync(http, tokens, User, Password, "repository:team/app:pull,push", "repository:team/base:pull");

        using var claims = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        var root = claims.RootElement;
        Assert.Equal(TokenServer.Issuer, root.GetProperty("iss").GetString());
        Assert.Equal(TokenServer.Service, root.GetProperty("aud").GetString());
        Assert.Equal(User, root.GetProperty("sub").GetString());
        var access = root.GetProperty("access").EnumerateArray()
            .Select(a => $"{a.GetProperty("type").GetString()}:{a.GetProperty("name").GetString()}:{string.Join(',', a.GetProperty("actions").EnumerateArray().Select(x => x.GetString()))}");
        Assert.Equal(["repository:team/app:pull,push", "repository:team/base:pull"], access);
    }

    [Fact]
    public async Task V2_TokenExpiredBeyondLeeway_401()
    {
        var past = new ShiftedTime(TimeSpan.FromMinutes(-30));
        await using var tokens = await TokenServer.StartAsync(User, Password, past, Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        using var http = Loopback.CreateHttpClient();

        var token = await FetchTokenAsync(http, tokens, User, Password, scope: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUrl, "/v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static HttpRequestMessage TokenRequest(TokenServer tokens, string user, string password, params string[] scopes)
    {
        var query = "?service=" + TokenServer.Service + string.Concat(scopes.Select(s => "&scope=" + Uri.EscapeDataString(s)));
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(tokens.Realm + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        return request;
    }

    private static async Task<string> FetchTokenAsync(HttpClient http, TokenServer tokens, string user, string password, params string[]? scope)
    {
        using var request = TokenRequest(tokens, user, password, scope ?? []);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var token = json.RootElement.GetProperty("token").GetString()!;
        Assert.Equal(token, json.RootElement.GetProperty("access_token").GetString());
        Assert.Equal(300, json.RootElement.GetProperty("expires_in").GetInt32());
        return token;
    }

    private static byte[] Base64UrlDecode(string segment) => System.Buffers.Text.Base64Url.DecodeFromChars(segment);

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}

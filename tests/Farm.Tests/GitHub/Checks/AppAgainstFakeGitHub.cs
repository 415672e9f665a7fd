using Farm.Core.Tests.Oci.TestRegistry;
using Farm.GitHub.Checks;

namespace Farm.Tests.GitHub.Checks;

/// <summary>A GitHub App client with a fresh key and a manual clock, talking to its own fake GitHub API.</summary>
internal sealed class AppAgainstFakeGitHub : IAsyncDisposable
{
    public const long AppId = 123456;

    private AppAgainstFakeGitHub(TestAppKey key, ManualTimeProvider time, FakeGitHubApi api, GitHubAppClient client)
    {
        Key = key;
        Time = time;
        Api = api;
        Client = client;
        Reporter = new CheckRunReporter(client, time);
    }

    public TestAppKey Key { get; }

    public ManualTimeProvider Time { get; }

    public FakeGitHubApi Api { get; }

    public GitHubAppClient Client { get; }

    public CheckRunReporter Reporter { get; }

    /// <param name="pathPrefix">Where the fake serves the API, as GitHub Enterprise Server serves <c>/api/v3</c>.</param>
    /// <param name="configuredBaseUrl">The base URL the client is given, when not the fake's own.</param>
    public static async Task<AppAgainstFakeGitHub> StartAsync(CancellationToken ct, string pathPrefix = "/api/v3", Func<Uri, string>? configuredBaseUrl = null)
    {
        var key = new TestAppKey();
        var time = new ManualTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var api = await FakeGitHubApi.StartAsync(pathPrefix, time, ct);
        var options = new GitHubAppOptions
        {
            AppId = AppId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            PrivateKeyFile = key.PrivateKeyFile,
            ApiBaseUrl = configuredBaseUrl?.Invoke(api.BaseUrl) ?? api.BaseUrl.AbsoluteUri,
        };
        Assert.Empty(options.Validate());
        return new AppAgainstFakeGitHub(key, time, api, new GitHubAppClient(options, time, Loopback.CreateHandler));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Api.DisposeAsync();
        Key.Dispose();
    }
}

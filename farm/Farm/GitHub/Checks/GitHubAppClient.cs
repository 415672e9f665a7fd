using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Octokit;
using Octokit.Internal;

namespace Farm.GitHub.Checks;

/// <summary>
/// The farm's GitHub App talking to GitHub: as the app itself (a JWT it signs with the app's key) to find installations
/// and obtain installation tokens, and as an installation (its token, cached and renewed) for everything else.
/// </summary>
internal sealed class GitHubAppClient : IDisposable
{
    private static readonly ProductHeaderValue Product = new("unikraft-build-farm", typeof(GitHubAppClient).Assembly.GetName().Version?.ToString());

    private readonly RSA _key;
    private readonly Uri _baseAddress;
    private readonly Func<HttpMessageHandler> _createHandler;
    private readonly AppJwtFactory _jwt;
    private readonly InstallationTokenCache _tokens;
    private readonly GitHubClient _asApp;
    private readonly ConcurrentDictionary<long, Lazy<IGitHubClient>> _asInstallation = new();
    private readonly List<HttpClientAdapter> _httpClients = [];

    /// <param name="options">Validated options (<see cref="GitHubAppOptions.Validate"/>).</param>
    /// <param name="time">The clock JWTs are issued and tokens expire by.</param>
    /// <param name="createHandler">The HTTP handler under Octokit (tests pass one that never uses a proxy); Octokit's default otherwise.</param>
    public GitHubAppClient(GitHubAppOptions options, TimeProvider time, Func<HttpMessageHandler>? createHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = AppPrivateKey.Load(options.PrivateKeyFile ?? throw new ArgumentException("Farm__GitHub__App__PrivateKeyFile is not set", nameof(options)));
        _baseAddress = options.ApiBaseUri;
        _createHandler = createHandler ?? HttpMessageHandlerFactory.CreateDefault;
        _jwt = new AppJwtFactory(options.ParsedAppId, _key, time);
        // A fresh JWT per request: one costs a signature, and none can expire between being made and being sent.
        _asApp = Create(new CredentialSource(() => Task.FromResult(new Credentials(_jwt.Create(), AuthenticationType.Bearer))));
        _tokens = new InstallationTokenCache(id => _asApp.GitHubApps.CreateInstallationToken(id), time);
    }

    /// <summary>The installation of this app on <paramref name="owner"/>/<paramref name="repo"/> (<c>GET /repos/{owner}/{repo}/installation</c>).</summary>
    /// <exception cref="GitHubReportException">The app is not installed there, or GitHub could not be asked.</exception>
    public async Task<long> InstallationIdForRepositoryAsync(string owner, string repo, CancellationToken ct)
    {
        var installation = await GitHubCall.RunAsync(
            $"Finding the app's installation on {owner}/{repo}",
            () => _asApp.GitHubApps.GetRepositoryInstallationForCurrent(owner, repo),
            ct).ConfigureAwait(false);
        return installation.Id;
    }

    /// <summary>An installation token valid at least 5 more minutes, from the cache or freshly issued.</summary>
    /// <exception cref="GitHubReportException">GitHub refused the exchange or could not be reached.</exception>
    public Task<string> InstallationTokenAsync(long installationId, CancellationToken ct) =>
        GitHubCall.RunAsync(
            $"Obtaining a token for installation {installationId.ToString(CultureInfo.InvariantCulture)}",
            () => _tokens.GetAsync(installationId, ct),
            ct);

    /// <summary>
    /// A client acting as the installation. Its credentials are the installation's token, looked up before every
    /// request, so one client stays usable past the token's hour.
    /// </summary>
    public IGitHubClient ForInstallation(long installationId) =>
        _asInstallation.GetOrAdd(
            installationId,
            id => new Lazy<IGitHubClient>(() => Create(new CredentialSource(async () =>
                new Credentials(await InstallationTokenAsync(id, CancellationToken.None).ConfigureAwait(false), AuthenticationType.Oauth))))).Value;

    public void Dispose()
    {
        lock (_httpClients)
        {
            _httpClients.ForEach(c => c.Dispose());
        }

        _tokens.Dispose();
        _key.Dispose();
    }

    private GitHubClient Create(ICredentialStore credentials)
    {
        var http = new HttpClientAdapter(_createHandler);
        lock (_httpClients)
        {
            _httpClients.Add(http);
        }

        // A Connection, not GitHubClient(product, store, baseAddress): that constructor replaces any path but the
        // default host's with /api/v3/, and the configured base URL is meant to be used as given.
        return new GitHubClient(new Connection(Product, _baseAddress, credentials, http, new SimpleJsonSerializer()));
    }
}

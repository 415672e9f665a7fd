using Octokit;

namespace Farm.GitHub.Checks;

/// <summary>
/// Octokit asks its credential store before every request: a store that makes or renews credentials then lets one
/// long-lived client outlast the app JWT's 10 minutes and the installation token's hour.
/// </summary>
internal sealed class CredentialSource(Func<Task<Credentials>> current) : ICredentialStore
{
    public Task<Credentials> GetCredentials() => current();
}

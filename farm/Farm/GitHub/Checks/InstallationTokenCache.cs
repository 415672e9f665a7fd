using System.Collections.Concurrent;
using Octokit;

namespace Farm.GitHub.Checks;

/// <summary>
/// Installation tokens (valid an hour) per installation, renewed 5 minutes before they expire so that no request
/// starts with a token that runs out on the way. One exchange at a time: reports for many targets at once ask for one
/// token, not one each.
/// </summary>
internal sealed class InstallationTokenCache(Func<long, Task<AccessToken>> exchange, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan RenewBeforeExpiry = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<long, AccessToken> _tokens = new();
    private readonly SemaphoreSlim _exchanging = new(1, 1);

    public async Task<string> GetAsync(long installationId, CancellationToken ct)
    {
        if (Fresh(installationId) is { } token)
        {
            return token;
        }

        await _exchanging.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Another caller may have renewed it while this one waited.
            if (Fresh(installationId) is { } renewed)
            {
                return renewed;
            }

            var issued = await exchange(installationId).WaitAsync(ct).ConfigureAwait(false);
            _tokens[installationId] = issued;
            return issued.Token;
        }
        finally
        {
            _exchanging.Release();
        }
    }

    public void Dispose() => _exchanging.Dispose();

    private string? Fresh(long installationId) =>
        _tokens.TryGetValue(installationId, out var token) && time.GetUtcNow() < token.ExpiresAt - RenewBeforeExpiry ? token.Token : null;
}

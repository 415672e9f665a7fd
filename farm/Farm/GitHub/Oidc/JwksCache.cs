using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

using Farm.Http;

namespace Farm.GitHub.Oidc;

/// <summary>
/// The issuer's signing keys, fetched over HTTP and kept. They are fetched again when older than
/// <see cref="MaximumAge"/>, or when a token names a key not among them (keys rotate), but at most once per
/// <see cref="MinimumRefetchInterval"/>: tokens with made-up key ids must not make the farm hammer the issuer.
/// Concurrent callers share one fetch. A failed fetch keeps the keys already known, so a short outage of the
/// issuer does not stop builds signed with them.
/// </summary>
internal sealed class JwksCache
{
    public static readonly TimeSpan MaximumAge = TimeSpan.FromHours(1);

    public static readonly TimeSpan MinimumRefetchInterval = TimeSpan.FromSeconds(30);

    // GitHub's set is a few kilobytes; anything far larger is not a key set.
    private const long MaximumBytes = 1024 * 1024;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private KeySet? _keys;
    private DateTimeOffset? _lastAttempt;
    private string? _lastFailure;
    private Task? _fetching;

    /// <param name="http">Its <see cref="HttpClient.Timeout"/> bounds every fetch; a few seconds suits an API request waiting on it.</param>
    public JwksCache(Uri url, HttpClient http, TimeProvider time)
    {
        Url = url;
        _http = http;
        _time = time;
    }

    public Uri Url { get; }

    /// <summary>The RSA signing key named <paramref name="kid"/>, or why there is none (for a 401 body).</summary>
    public async Task<(JsonWebKey? Key, string? Problem)> FindAsync(string kid, CancellationToken cancellationToken)
    {
        Task? fetching;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_keys is { } keys && now - keys.FetchedAt < MaximumAge && keys.Find(kid) is { } known)
            {
                return (known, null);
            }

            if (_fetching is { IsCompleted: false })
            {
                fetching = _fetching;
            }
            else if (_lastAttempt is not { } last || now - last >= MinimumRefetchInterval)
            {
                _lastAttempt = now;
                // Not the caller's token: one caller giving up must not cancel the fetch others wait for.
                fetching = _fetching = FetchAsync();
            }
            else
            {
                fetching = null;
            }
        }

        if (fetching is not null)
        {
            await fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_keys?.Find(kid) is { } key)
            {
                return (key, null);
            }

            if (_keys is null)
            {
                return (null, $"cannot fetch the issuer's signing keys from {Url}: {_lastFailure ?? "no answer yet"}");
            }

            var refreshed = _lastFailure is null ? "" : $"; fetching them again failed: {_lastFailure}";
            return (null, $"the token is signed with key '{UntrustedText.Quote(kid)}', which is not among the issuer's keys at {Url} (fetched {(_time.GetUtcNow() - _keys.FetchedAt).TotalSeconds:0} s ago; they are fetched again at most every {MinimumRefetchInterval.TotalSeconds:0} s){refreshed}");
        }
    }

    private async Task FetchAsync()
    {
        var (keys, failure) = await DownloadAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _keys = keys ?? _keys;
            _lastFailure = failure;
        }
    }

    private async Task<(KeySet? Keys, string? Failure)> DownloadAsync()
    {
        try
        {
            using var response = await _http.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            await response.Content.LoadIntoBufferAsync(MaximumBytes).ConfigureAwait(false);
            var json = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var set = new JsonWebKeySet(json);
            var signing = set.Keys
                .Where(k => k.Kty == JsonWebAlgorithmsKeyTypes.RSA && k.Use is null or "" or JsonWebKeyUseNames.Sig && !string.IsNullOrEmpty(k.Kid))
                .ToList();
            return signing.Count == 0
                ? (null, "the answer lists no RSA signing keys")
                : (new KeySet(signing, _time.GetUtcNow()), null);
        }
        catch (HttpRequestException e)
        {
            return (null, e.Message);
        }
        catch (TaskCanceledException)
        {
            return (null, $"no answer within {_http.Timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidOperationException)
        {
            return (null, "the answer is not a JSON Web Key Set");
        }
    }

    private sealed record KeySet(IReadOnlyList<JsonWebKey> Keys, DateTimeOffset FetchedAt)
    {
        public JsonWebKey? Find(string kid) => Keys.FirstOrDefault(k => k.Kid == kid);
    }
}

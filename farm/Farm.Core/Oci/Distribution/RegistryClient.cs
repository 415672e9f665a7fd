using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// The HTTP side of one registry host: authentication (anonymous, basic, bearer tokens from a
/// <c>WWW-Authenticate</c> challenge, cached per scope), timeouts and retries. Every wait ends: a request after
/// <see cref="RegistryClientOptions.RequestTimeout"/>, an operation with its retries after
/// <see cref="RegistryClientOptions.OperationTimeout"/>, each as a <see cref="RegistryException"/> that says which.
/// An idempotent operation is retried as a whole, with exponential backoff and jitter, when the registry answers 429
/// or 5xx, times out or the connection fails; a 4xx is final.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;
    private readonly RetryLoop _retry;
    private readonly RetryLoop _retryRefused;
    private readonly ConcurrentDictionary<string, string> _authorizations = new(StringComparer.Ordinal);
    private readonly Lazy<RegistryCredentials?> _credentials;

    public RegistryClient(string host, RegistryClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Insecure && !IsLoopback(host))
        {
            throw new ArgumentException($"{host}: plain HTTP is allowed only for a registry on this machine (127.0.0.1, localhost, ::1)", nameof(options));
        }

        Host = host;
        _options = options;
        BaseUri = new Uri($"{(options.Insecure ? "http" : "https")}://{host}/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = options.RequestTimeout;
        _credentials = new Lazy<RegistryCredentials?>(() => RegistryCredentials.For(host, options));
        _retry = Retries(options, e => e is RegistryException { IsTransient: true }
            or HttpRequestException { InnerException: not OciFormatException }
            or IOException
            or TimeoutException);
        _retryRefused = Retries(options, e => e is RegistryException { IsTransient: true });
    }

    public string Host { get; }

    public Uri BaseUri { get; }

    internal RegistryClientOptions Options => _options;

    /// <summary>
    /// Runs one idempotent operation (a GET or HEAD, a PUT by digest, a whole blob upload: a retry starts a new upload
    /// session) with retries on transient failures, all within <see cref="RegistryClientOptions.OperationTimeout"/>.
    /// </summary>
    internal Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        RunAsync(_retry, operation, cancellationToken);

    /// <summary>
    /// Runs an operation that must not be repeated blindly (a tag's PUT: a repeat arriving late could move the tag back
    /// after another publish moved it). Retried only when the registry answered 429 or 5xx, which says it applied
    /// nothing; after a timeout or a lost connection the outcome is unknown and the operation fails instead.
    /// </summary>
    internal Task<T> RunNonIdempotentAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        RunAsync(_retryRefused, operation, cancellationToken);

    private async Task<T> RunAsync<T>(RetryLoop pipeline, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        // Every wait inside (requests, streamed bodies, backoff delays) ends at the operation's deadline.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.OperationTimeout);
        var attempts = 0;
        try
        {
            return await pipeline.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    return await operation(ct).ConfigureAwait(false);
                },
                deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && RegistryMeter.Failed(FailureKind(ex, deadline.IsCancellationRequested)))
        {
            // Never entered: the filter only counts the failure for the farm's metrics.
            throw;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw new RegistryException($"{Host}: no result within the operation's deadline of {Seconds(_options.OperationTimeout)} ({Attempts(attempts)})", ex);
        }
        catch (TimeoutException ex)
        {
            throw new RegistryException($"{ex.Message} ({Attempts(attempts)})", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A token service that stays silent (its request is not one of ours that SendOnceAsync names).
            throw new RegistryException($"{Host}: no answer within {Seconds(_options.RequestTimeout)} ({Attempts(attempts)})", ex);
        }
        catch (HttpRequestException ex) when (ex.InnerException is OciFormatException content)
        {
            // Our own content was not what its digest promised: not the registry's fault, and not worth a retry.
            throw content;
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"{Host}: cannot reach the registry ({Attempts(attempts)}): {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new RegistryException($"{Host}: the connection failed ({Attempts(attempts)}): {ex.Message}", ex);
        }
    }

    private static string FailureKind(Exception exception, bool deadlinePassed) => exception switch
    {
        _ when deadlinePassed => "deadline",
        TimeoutException or TaskCanceledException => "timeout",
        HttpRequestException { InnerException: OciFormatException } => "content",
        HttpRequestException or IOException => "unreachable",
        RegistryException => "refused",
        _ => "other",
    };

    /// <summary>
    /// Sends a request built by <paramref name="create"/> (called again for the retry after authenticating), with
    /// the authorization cached for <paramref name="scope"/>. A 401 with a challenge gets credentials or a token
    /// and one more try.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string scope, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var request = create();
        Authorize(request, scope);
        var response = await SendOnceAsync(request, completion, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString());
        if (challenge is null || !await AuthenticateAsync(challenge, scope, cancellationToken).ConfigureAwait(false))
        {
            return response;
        }

        response.Dispose();
        var retry = create();
        Authorize(retry, scope);
        return await SendOnceAsync(retry, completion, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Host}: no answer to {request.Method} {request.RequestUri?.AbsolutePath} within {Seconds(_options.RequestTimeout)}", ex);
        }
        finally
        {
            request.Dispose();
        }
    }

    private void Authorize(HttpRequestMessage request, string scope)
    {
        if (_authorizations.TryGetValue(scope, out var value) || _authorizations.TryGetValue(string.Empty, out value))
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(value);
        }
    }

    private async Task<bool> AuthenticateAsync(AuthChallenge challenge, string scope, CancellationToken cancellationToken)
    {
        var credentials = _credentials.Value;
        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (credentials is null)
            {
                throw new RegistryException($"{Host}: the registry requires a username and password (options, or a Docker config.json entry for {Host})");
            }

            _authorizations[string.Empty] = "Basic " + credentials.BasicHeaderValue;
            return true;
        }

        if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) || challenge.Realm is not { } realm)
        {
            return false;
        }

        var query = new List<string>();
        if (challenge.Service is { } service)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        if (scope.Length > 0)
        {
            query.Add("scope=" + Uri.EscapeDataString(scope));
        }

        var url = realm + (query.Count == 0 ? string.Empty : (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query));
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, url);
        if (credentials is not null)
        {
            tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicHeaderValue);
        }

        using var response = await _http.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryException($"{Host}: the token service {realm} refused {(credentials is null ? "an anonymous request" : $"the credentials of '{credentials.Username}'")} for {scope} (HTTP {(int)response.StatusCode})");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        var token = json.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(token))
        {
            throw new RegistryException($"{Host}: the token service {realm} answered without a token");
        }

        _authorizations[scope] = "Bearer " + token;
        return true;
    }

    private static RetryLoop Retries(RegistryClientOptions options, Func<Exception, bool> retryOn) =>
        new(options.MaxAttempts, options.RetryBaseDelay, options.RetryMaxDelay, retryOn);

    private static string Seconds(TimeSpan duration) => $"{duration.TotalSeconds:0.#} s";

    private static string Attempts(int count) => count == 1 ? "1 attempt" : $"{count} attempts";

    /// <summary>Whether <paramref name="host"/> (<c>name[:port]</c>, <c>[v6]:port</c>) is this machine: the only place plain HTTP is allowed.</summary>
    public static bool IsLoopback(string host)
    {
        var name = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return name == "localhost" || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }
}

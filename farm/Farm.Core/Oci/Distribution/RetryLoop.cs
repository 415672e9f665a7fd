namespace Farm.Core.Oci.Distribution;

/// <summary>
/// Runs an operation again after a failure the predicate accepts, up to the given number of tries,
/// waiting an exponentially growing delay with jitter (base × 2^(try−1), ±50 %, at most the maximum) in between.
/// Hand-written rather than Polly's pipeline: building and validating that pipeline cost a short-lived
/// <c>farm copy</c> about a quarter of a second of start-up (its options are checked by reflection), more than a
/// 64 MiB transfer to a local registry takes.
/// </summary>
internal sealed class RetryLoop
{
    private readonly int _maxAttempts;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly Func<Exception, bool> _shouldRetry;

    public RetryLoop(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Func<Exception, bool> shouldRetry)
    {
        _maxAttempts = Math.Max(1, maxAttempts);
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
        _shouldRetry = shouldRetry;
    }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _maxAttempts && !cancellationToken.IsCancellationRequested && _shouldRetry(ex))
            {
                await Task.Delay(DelayAfter(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The wait after try <paramref name="attempt"/> (1-based).</summary>
    internal TimeSpan DelayAfter(int attempt)
    {
        var exponential = _baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
#pragma warning disable CA5394 // Jitter spreads retries of many clients apart; it needs no cryptographic randomness.
        var jittered = exponential * (0.5 + Random.Shared.NextDouble());
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Min(jittered, _maxDelay.TotalMilliseconds));
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Farm.Operations;

/// <summary>
/// Whether the farm can do its work now: each part it depends on (PostgreSQL; Redis and the registry when configured)
/// answers within <see cref="PartTimeout"/>. The parts are asked at once, and an answer is reused for
/// <see cref="ReuseFor"/>, so load balancers polling many times a second cost the database one query a second.
/// What a failing part said goes to the farm's log; the answer names the part and the kind of failure only (it is
/// unauthenticated: no host, address or message that could carry a password).
/// </summary>
internal sealed partial class ReadinessProbe : IDisposable
{
    public static readonly TimeSpan PartTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<IReadinessCheck> _checks;
    private readonly ILogger<ReadinessProbe> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _one = new(1, 1);
    private (long At, IReadOnlyList<PartReadiness> Parts)? _last;

    public ReadinessProbe(IReadOnlyList<IReadinessCheck> checks, ILogger<ReadinessProbe> logger, TimeProvider time)
    {
        _checks = checks;
        _logger = logger;
        _time = time;
    }

    public async Task<IReadOnlyList<PartReadiness>> CheckAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is { } last && _time.GetElapsedTime(last.At) < ReuseFor)
            {
                return last.Parts;
            }

            var parts = await Task.WhenAll(_checks.Select(CheckOneAsync)).ConfigureAwait(false);
            _last = (_time.GetTimestamp(), parts);
            return parts;
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose()
    {
        _one.Dispose();
        foreach (var check in _checks.OfType<IDisposable>())
        {
            check.Dispose();
        }
    }

    private async Task<PartReadiness> CheckOneAsync(IReadinessCheck check)
    {
        // Not the request's token: a caller that goes away must not leave a half-made answer cached for the next one.
        using var timeout = new CancellationTokenSource(PartTimeout);
        var watch = Stopwatch.StartNew();
        try
        {
            await check.CheckAsync(timeout.Token).WaitAsync(PartTimeout + TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
            return new PartReadiness(check.Part, Ready: true, "ok", watch.Elapsed.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            Log.PartTimedOut(_logger, check.Part, PartTimeout.TotalSeconds);
            return new PartReadiness(check.Part, Ready: false, $"no answer within {PartTimeout.TotalSeconds:0} s", watch.Elapsed.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.PartFailed(_logger, check.Part, ex.GetType().Name, ex.Message);
            return new PartReadiness(check.Part, Ready: false, check.Describe(ex), watch.Elapsed.TotalMilliseconds);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Readiness: {Part} gave no answer within {Seconds} s")]
        public static partial void PartTimedOut(ILogger logger, string part, double seconds);

        [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Readiness: {Part} failed ({Kind}): {Detail}")]
        public static partial void PartFailed(ILogger logger, string part, string kind, string detail);
    }
}

/// <param name="Detail">"ok", or the kind of failure (never a host name or a message from the part).</param>
internal sealed record PartReadiness(string Part, bool Ready, string Detail, double Milliseconds);

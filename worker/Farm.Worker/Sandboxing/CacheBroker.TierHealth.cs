using Farm.Cache.Store;

namespace Farm.Worker.Sandboxing;

/// <summary>
/// How the broker meets a failing tier: every error is a miss and is counted; a shared tier that failed is left alone
/// for <see cref="Backoff"/>; the first error of a tier is logged with its reason, later ones once a minute as a count.
/// </summary>
internal sealed partial class CacheBroker
{
    /// <summary>How long a shared tier that failed is left alone: a frozen Redis costs one timeout, not one per compile.</summary>
    internal static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, TierHealth> _health = [];

    /// <summary>Counts an error met outside a request (Redis unreachable when the broker started).</summary>
    public void RecordError(string tier, string kind)
    {
        Interlocked.Increment(ref _errors);
        _errorEvents.Enqueue($"error {tier} {kind}");
    }

    private T? Try<T>(ICacheTier tier, Func<T?> action)
    {
        if (tier != _local && IsResting(tier.Name))
        {
            return default;
        }

        try
        {
            return action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (Interlocked.Increment(ref _errors) <= 1000)
            {
                _errorEvents.Enqueue($"error {tier.Name} {ex.GetType().Name}");
            }

            Report(tier, ex);
            return default;
        }
    }

    private bool IsResting(string tier)
    {
        lock (_health)
        {
            return _health.TryGetValue(tier, out var health) && DateTime.UtcNow < health.RestingUntil;
        }
    }

    /// <summary>The first error of a tier is logged with its reason; later ones are counted and reported once a minute.</summary>
    private void Report(ICacheTier tier, Exception error)
    {
        string? line = null;
        lock (_health)
        {
            var now = DateTime.UtcNow;
            if (!_health.TryGetValue(tier.Name, out var health))
            {
                health = new TierHealth { LastReport = now };
                _health[tier.Name] = health;
                line = $"farm: cache: warning: {tier.Name}: {error.GetType().Name}; a miss, the build goes on"
                    + (tier == _local ? string.Empty : $"; {tier.Name} is left alone for {Backoff.TotalSeconds:0} s");
            }
            else if (++health.Unreported > 0 && now - health.LastReport >= TimeSpan.FromMinutes(1))
            {
                line = $"farm: cache: {tier.Name}: {health.Unreported} more errors in the last minute";
                health.Unreported = 0;
                health.LastReport = now;
            }

            if (tier != _local)
            {
                health.RestingUntil = now + Backoff;
            }
        }

        if (line is not null)
        {
            _log(line);
        }
    }

    private sealed class TierHealth
    {
        public DateTime LastReport { get; set; }

        public DateTime RestingUntil { get; set; }

        public int Unreported { get; set; }
    }
}

namespace Farm.Core.Builds;

/// <summary>
/// Which finished targets to list across builds, for the workers and cache pages: a worker's last jobs, the slowest
/// builds that missed the target cache, everything since a day. Newest finished first unless <see cref="SlowestFirst"/>.
/// </summary>
public sealed record TargetQuery
{
    public const int MaxLimit = 5000;

    public string? Worker { get; init; }

    /// <summary>Finished at or after.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only targets that were built (not served by the target cache) and have a build time.</summary>
    public bool BuiltOnly { get; init; }

    /// <summary>Longest build first instead of newest first.</summary>
    public bool SlowestFirst { get; init; }

    public int Limit { get; init; } = 20;

    public int ClampedLimit => Math.Clamp(Limit, 1, MaxLimit);

    public bool Matches(TargetRecord target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Finished is not null
            && (Worker is null || target.Worker == Worker)
            && (Since is null || target.Finished >= Since)
            && (!BuiltOnly || (!target.Cached && target.BuildSeconds is not null));
    }
}

/// <summary>A finished target and the app of its build.</summary>
public sealed record TargetEntry(TargetRecord Target, string App);

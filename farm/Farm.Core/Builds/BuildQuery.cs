namespace Farm.Core.Builds;

/// <summary>
/// Which builds to list, newest first, and from where (keyset paging: <see cref="After"/> is the last build of the page
/// before, so a page is one index range however deep it is). Every filter is optional; all given must hold.
/// </summary>
public sealed record BuildQuery
{
    /// <summary>The most builds a page holds: the dashboard's pages and the JSON answer stay small.</summary>
    public const int MaxLimit = 200;

    public BuildState? State { get; init; }

    public string? App { get; init; }

    /// <summary>The git repository URL, exactly.</summary>
    public string? Repository { get; init; }

    public string? Branch { get; init; }

    /// <summary>api, webhook, nightly or action (<see cref="BuildTriggers"/>).</summary>
    public string? Trigger { get; init; }

    /// <summary><c>plat/arch</c>: builds with at least one target of it.</summary>
    public string? Platform { get; init; }

    /// <summary>Builds with at least one target run by this worker.</summary>
    public string? Worker { get; init; }

    /// <summary>Created at or after.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Created before.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Free text, case-insensitive, found in the app, the repository URL or the commit.</summary>
    public string? Text { get; init; }

    /// <summary>The page starts after this build (its position: created, then id).</summary>
    public BuildCursor? After { get; init; }

    public int Limit { get; init; } = 50;

    public int ClampedLimit => Math.Clamp(Limit, 1, MaxLimit);

    /// <summary>True when <paramref name="build"/> passes the build-level filters (not <see cref="Platform"/>, <see cref="Worker"/>: they need targets).</summary>
    public bool MatchesBuild(BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        return (State is null || build.State == State)
            && (App is null || build.App == App)
            && (Repository is null || build.GitUrl == Repository)
            && (Branch is null || build.Branch == Branch)
            && (Trigger is null || build.Trigger == Trigger)
            && (Since is null || build.Created >= Since)
            && (Until is null || build.Created < Until)
            && (Text is null || Contains(build.App) || Contains(build.GitUrl) || Contains(build.GitCommit))
            && (After is null || build.Created < After.Created || (build.Created == After.Created && string.CompareOrdinal(build.Id, After.Id) < 0));
    }

    /// <summary>True when the targets pass <see cref="Platform"/> and <see cref="Worker"/>.</summary>
    public bool MatchesTargets(IReadOnlyList<TargetRecord> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return (Platform is null || targets.Any(t => t.PlatformName == Platform))
            && (Worker is null || targets.Any(t => t.Worker == Worker));
    }

    private bool Contains(string? field) => field is not null && field.Contains(Text!, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A build's place in the newest-first order: the page after it starts below it.</summary>
public sealed record BuildCursor(DateTimeOffset Created, string Id)
{
    /// <summary>As it travels in a URL: ticks since the epoch, then the id.</summary>
    public override string ToString() => $"{Created.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks}-{Id}";

    public static BuildCursor? Parse(string? text)
    {
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0 || !long.TryParse(text![..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks || text.Length - dash - 1 is < 1 or > 64)
        {
            return null;
        }

        return new BuildCursor(DateTimeOffset.UnixEpoch.AddTicks(ticks), text[(dash + 1)..]);
    }

    public static BuildCursor Of(BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        return new BuildCursor(build.Created, build.Id);
    }
}

/// <summary>One page of builds with their targets, and where the next page starts (null on the last).</summary>
public sealed record BuildPage(IReadOnlyList<BuildSummary> Builds, BuildCursor? Next);

/// <summary>A build and its targets, as lists show it.</summary>
public sealed record BuildSummary(BuildRecord Build, IReadOnlyList<TargetRecord> Targets);

/// <summary>What started a build.</summary>
public static class BuildTriggers
{
    public const string Api = "api";
    public const string Webhook = "webhook";
    public const string Nightly = "nightly";
    public const string Action = "action";

    public static readonly IReadOnlyList<string> All = [Api, Webhook, Nightly, Action];
}

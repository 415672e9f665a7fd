using System.Globalization;

namespace Farm.Core.Builds;

/// <summary>The dashboard's lists and summaries over the builds in memory, in the order the PostgreSQL store gives.</summary>
public sealed partial class InMemoryBuildStore
{
    public Task<BuildPage> ListBuildsAsync(BuildQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            var page = _builds.Values
                .Where(query.MatchesBuild)
                .OrderByDescending(b => b.Created).ThenByDescending(b => b.Id, StringComparer.Ordinal)
                .Select(b => new BuildSummary(b, [.. _targets[b.Id]]))
                .Where(s => query.MatchesTargets(s.Targets))
                .Take(query.ClampedLimit + 1)
                .ToList();
            var next = page.Count > query.ClampedLimit ? BuildCursor.Of(page[query.ClampedLimit - 1].Build) : null;
            return Task.FromResult(new BuildPage(page.Take(query.ClampedLimit).ToList(), next));
        }
    }

    public Task<IReadOnlyList<TargetEntry>> ListTargetsAsync(TargetQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            var matching = _targets.Values.SelectMany(t => t).Where(query.Matches);
            var ordered = query.SlowestFirst
                ? matching.OrderByDescending(t => t.BuildSeconds)
                : matching.OrderByDescending(t => t.Finished);
            return Task.FromResult<IReadOnlyList<TargetEntry>>(ordered.ThenBy(t => t.BuildId, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)
                .Take(query.ClampedLimit).Select(t => new TargetEntry(t, _builds[t.BuildId].App)).ToList());
        }
    }

    public Task<IReadOnlyList<TargetEntry>> ListRecentTargetsByWorkerAsync(IReadOnlyCollection<string> workers, int perWorker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workers);
        lock (_gate)
        {
            var finished = _targets.Values.SelectMany(t => t).Where(t => t.Finished is not null && t.Worker is not null && workers.Contains(t.Worker));
            return Task.FromResult<IReadOnlyList<TargetEntry>>(finished.GroupBy(t => t.Worker!, StringComparer.Ordinal)
                .SelectMany(g => g.OrderByDescending(t => t.Finished).ThenBy(t => t.BuildId, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal).Take(Math.Max(0, perWorker)))
                .Select(t => new TargetEntry(t, _builds[t.BuildId].App)).ToList());
        }
    }

    public Task<IReadOnlyList<TargetEntry>> ListRunningTargetsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TargetEntry>>(_targets.Values.SelectMany(t => t).Where(t => t.State == TargetState.Running)
                .Select(t => new TargetEntry(t, _builds[t.BuildId].App)).ToList());
        }
    }

    public Task<CacheSummary> SummarizeCacheAsync(int days, int builds, CancellationToken cancellationToken)
    {
        var since = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1 - days), TimeSpan.Zero);
        lock (_gate)
        {
            var done = _targets.Values.SelectMany(t => t).Where(t => t.Finished >= since && t.State is TargetState.Succeeded or TargetState.Failed).ToList();
            static CacheUsage Sum(string key, string? app, IEnumerable<TargetRecord> targets)
            {
                var list = targets.ToList();
                return new CacheUsage(key, app, list.Sum(t => t.CacheHits), list.Sum(t => t.CacheMisses), list.Sum(t => t.CacheErrors), list.Count, list.Count(t => t.Cached))
                {
                    Tiers = list.SelectMany(t => t.CacheTiers).GroupBy(p => p.Key, StringComparer.Ordinal)
                        .ToDictionary(g => g.Key, g => g.Select(p => p.Value).Aggregate(TierUse.Add), StringComparer.Ordinal),
                    RootfsTargets = list.Count(t => t.RootfsCached is not null),
                    RootfsHits = list.Count(t => t.RootfsCached == true),
                };
            }

            var perDay = done.GroupBy(t => t.Finished!.Value.UtcDateTime.Date).OrderByDescending(g => g.Key)
                .Select(g => Sum(g.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, g)).ToList();
            var perBuild = done.GroupBy(t => t.BuildId, StringComparer.Ordinal)
                .OrderByDescending(g => g.Max(t => t.Finished)).ThenBy(g => g.Key, StringComparer.Ordinal).Take(Math.Max(0, builds))
                .Select(g => Sum(g.Key, _builds[g.Key].App, g)).ToList();
            return Task.FromResult(new CacheSummary(perDay, perBuild));
        }
    }

    public Task<IReadOnlyList<BuildSummary>> ListLatestPerAppAsync(string trigger, int perApp, string? app, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<BuildSummary>>(_builds.Values.Where(b => b.Trigger == trigger && (app is null || b.App == app))
                .GroupBy(b => b.App, StringComparer.Ordinal)
                .SelectMany(g => g.OrderByDescending(b => b.Created).ThenByDescending(b => b.Id, StringComparer.Ordinal).Take(Math.Max(0, perApp)))
                .OrderByDescending(b => b.Created).ThenByDescending(b => b.Id, StringComparer.Ordinal)
                .Select(b => new BuildSummary(b, [.. _targets[b.Id]])).ToList());
        }
    }
}

using Farm.Core.Builds;

namespace Farm.Dashboard;

/// <summary>
/// The nightly catalog as a grid: per app and platform cell, its last runs (newest first) and whether its boot time or
/// kernel size regressed: the newest passing run above the median of the 10 passing runs before it by more than the
/// configured share. The flag names the first build of the rise: the oldest run of the unbroken streak above that line.
/// </summary>
internal static class CatalogHistory
{
    public const int Runs = 20;
    private const int Baseline = 10;

    public static IReadOnlyList<CatalogApp> From(IEnumerable<BuildSummary> nightly, double share)
    {
        ArgumentNullException.ThrowIfNull(nightly);
        return nightly.GroupBy(s => s.Build.App, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(app =>
        {
            var runs = app.OrderByDescending(s => s.Build.Created).Take(Runs).ToList();
            var cells = runs.SelectMany(r => r.Targets.Select(t => (Key: Column(r.Build, t), Run: new CatalogRun(r.Build.Id, r.Build.Created, t))))
                .GroupBy(c => c.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Cell(g.Select(c => c.Run).ToList(), share), StringComparer.Ordinal);
            return new CatalogApp(app.Key, runs[0].Build, cells);
        }).ToList();
    }

    /// <summary>plat-arch, with the target's name when it is not the app's (two configs of one platform).</summary>
    public static string Column(BuildRecord build, TargetRecord target)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(target);
        return target.Target == build.App ? $"{target.Platform}-{target.Architecture}" : $"{target.Platform}-{target.Architecture} ({target.Target})";
    }

    private static CatalogCell Cell(IReadOnlyList<CatalogRun> runs, double share) =>
        new(runs, Regression(runs, r => r.Target.BootSeconds, share, "boot time"), Regression(runs, r => r.Target.KernelBytes, share, "kernel size"));

    /// <param name="runs">Newest first.</param>
    internal static CatalogRegression? Regression(IReadOnlyList<CatalogRun> runs, Func<CatalogRun, double?> measure, double share, string what)
    {
        var passing = runs.Where(r => r.Target.State == TargetState.Succeeded && measure(r) is not null).ToList();
        if (passing.Count < 2)
        {
            return null;
        }

        var baseline = passing.Skip(1).Take(Baseline).Select(r => measure(r)!.Value).Order().ToList();
        var median = baseline.Count % 2 == 1 ? baseline[baseline.Count / 2] : (baseline[(baseline.Count / 2) - 1] + baseline[baseline.Count / 2]) / 2;
        var line = median * (1 + (share / 100));
        if (median <= 0 || measure(passing[0])!.Value <= line)
        {
            return null;
        }

        var first = passing.TakeWhile(r => measure(r)!.Value > line).Last();
        return new CatalogRegression(what, median, measure(passing[0])!.Value, first.BuildId);
    }
}

internal sealed record CatalogApp(string App, BuildRecord Latest, IReadOnlyDictionary<string, CatalogCell> Cells);

/// <param name="Runs">Newest first, at most <see cref="CatalogHistory.Runs"/>.</param>
internal sealed record CatalogCell(IReadOnlyList<CatalogRun> Runs, CatalogRegression? Boot, CatalogRegression? Size)
{
    public CatalogRun Latest => Runs[0];
}

internal sealed record CatalogRun(string BuildId, DateTimeOffset Created, TargetRecord Target);

/// <param name="FirstBuild">The first build of the rise.</param>
internal sealed record CatalogRegression(string What, double Median, double Now, string FirstBuild);

using Farm.Core.Planning;

namespace Farm.Worker.Cli;

/// <summary>
/// Picks one job of a plan by target name or by <c>plat/arch</c>. A selector that matches several jobs (short-form
/// targets all carry the project's name; two targets may share a plat/arch) is refused with the alternatives.
/// </summary>
internal static class TargetSelector
{
    public static TargetJob? Select(BuildPlan plan, string selector)
    {
        var matches = Matches(plan, selector);
        return matches.Count == 1 ? matches[0] : null;
    }

    public static string Explain(BuildPlan plan, string selector)
    {
        var matches = Matches(plan, selector);
        var all = string.Join(", ", plan.Jobs.Select(Describe));
        return matches.Count == 0
            ? $"targets: no target '{selector}'; this Kraftfile has: {all}"
            : $"targets: '{selector}' matches {matches.Count} targets ({string.Join(", ", matches.Select(Describe))}); name one by {(selector.Contains('/', StringComparison.Ordinal) ? "its name" : "plat/arch")}";
    }

    private static List<TargetJob> Matches(BuildPlan plan, string selector)
    {
        var slash = selector.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var platform = selector[..slash];
            var architecture = selector[(slash + 1)..];
            return plan.Jobs.Where(j => j.Platform == platform && j.Architecture == architecture).ToList();
        }

        var byName = plan.Jobs.Where(j => j.Target == selector).ToList();
        return byName.Count > 0 ? byName : plan.Jobs.Where(j => j.KernelFileName == selector).ToList();
    }

    private static string Describe(TargetJob job) => $"{job.Target} ({job.Platform}/{job.Architecture})";
}

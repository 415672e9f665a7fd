using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Yaml;

namespace Farm.Core.Planning;

/// <summary>
/// Which kernels of a runtime image a runtime-only Kraftfile's targets use, as kraft selects them: a manifest whose
/// <c>os</c> and <c>architecture</c> are the target's and whose <c>os.features</c> hold every <c>KEY=VALUE</c> of the
/// target's kconfig. Without <c>targets</c>, every platform the index offers. Planning and the worker use the same
/// rule, so the job packages the kernel it was planned with.
/// </summary>
public static class RuntimeSelection
{
    /// <summary>One job's choice: its target (null when the Kraftfile has none) and the index entry whose kernel it uses.</summary>
    public sealed record Choice(Target? Target, string Platform, string Architecture, IReadOnlyList<string> RequiredFeatures, Descriptor Entry)
    {
        public string KernelFileName(string projectName) => $"{Target?.Name ?? projectName}_{Platform}-{Architecture}";
    }

    public static IReadOnlyList<string> RequiredFeatures(Target target) =>
        target.KConfig.Entries.Select(e => Oci.Packaging.DotConfig.Feature(e.Key, e.Value)).ToList();

    /// <summary>The choices, or the problem (naming the target and what the runtime offers) when a target has no kernel.</summary>
    public static (IReadOnlyList<Choice> Choices, string? Problem) Choose(Kraftfile kraftfile, ImageIndex index, string runtime)
    {
        ArgumentNullException.ThrowIfNull(kraftfile);
        ArgumentNullException.ThrowIfNull(index);
        var entries = index.Manifests.Where(m => m.Platform is not null).ToList();
        var offered = entries.Select(m => $"{m.Platform!.Os}/{m.Platform.Architecture}").Distinct().ToList();
        if (kraftfile.Targets.Count == 0)
        {
            return (entries.DistinctBy(m => (m.Platform!.Os, m.Platform.Architecture)).Select(m => new Choice(null, m.Platform!.Os, m.Platform.Architecture, [], m)).ToList(), null);
        }

        var choices = new List<Choice>();
        var problems = new List<string>();
        Mark? first = null;
        foreach (var target in kraftfile.Targets)
        {
            var required = RequiredFeatures(target);
            var samePlatform = entries.Where(m => m.Platform!.Os == target.Platform && m.Platform.Architecture == target.Architecture).ToList();
            if (samePlatform.FirstOrDefault(m => required.All(m.Platform!.Features.Contains)) is { } entry)
            {
                choices.Add(new Choice(target, target.Platform, target.Architecture, required, entry));
            }
            else if (samePlatform.Count == 0)
            {
                first ??= target.At;
                problems.Add($"{target.Platform}/{target.Architecture}");
            }
            else
            {
                first ??= target.At;
                var lacking = required.Where(r => !samePlatform.Exists(m => m.Platform!.Features.Contains(r))).ToList();
                problems.Add($"{target.Platform}/{target.Architecture} with {string.Join(", ", lacking.Count > 0 ? lacking : required)}");
            }
        }

        return problems.Count > 0
            ? ([], $"{kraftfile.Path}:{first!.Value.Line}:{first.Value.Column}: targets: the runtime {runtime} has no kernel for {string.Join("; ", problems)}; it offers {string.Join(", ", offered)}")
            : (choices, null);
    }
}

using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;
using Farm.Core.Yaml;

namespace Farm.Core.Planning;

/// <summary>Fans a valid Kraftfile out into one <see cref="TargetJob"/> per target.</summary>
public static class Planner
{
    public static PlanResult Plan(Kraftfile kraftfile)
    {
        var diagnostics = new DiagnosticBag(kraftfile.Path);
        if (kraftfile.Kind == KraftfileKind.Runtime)
        {
            // The platforms are the manifests of the runtime's index; `targets` (if any) only restricts them.
            return new PlanResult(new BuildPlan(kraftfile, [], kraftfile.Runtime ?? RuntimeReference.Default), diagnostics.Items);
        }

        if (kraftfile.Targets.Count == 0)
        {
            var why = kraftfile.Template is null
                ? "add e.g. 'targets: [qemu/x86_64]'"
                : "the template's targets are known only once its source is fetched; list the targets in this Kraftfile";
            diagnostics.Error(Mark.FileStart, "targets", $"no targets to build; {why}");
            return new PlanResult(null, diagnostics.Items);
        }

        var jobs = new List<TargetJob>();
        foreach (var target in kraftfile.Targets)
        {
            if (jobs.Find(j => j.KernelFileName == target.KernelFileName) is { } same)
            {
                diagnostics.Error(target.At, $"targets[{target.Index}]", $"builds the same kernel '{target.KernelFileName}' as target '{same.Target}' before it; two jobs cannot share it, so give one a distinct name");
                continue;
            }

            jobs.Add(new TargetJob(
                target.Name,
                target.Platform,
                target.Architecture,
                Queues.For(target.Platform, target.Architecture),
                target.KernelFileName,
                KConfigMerger.Merge(kraftfile, target),
                RequirementsFor(target)));
        }

        return diagnostics.HasErrors ? new PlanResult(null, diagnostics.Items) : new PlanResult(new BuildPlan(kraftfile, jobs, null), diagnostics.Items);
    }

    private static WorkerRequirements RequirementsFor(Target target) => target.Platform switch
    {
        Platforms.Qemu => new WorkerRequirements(target.Architecture, "qemu", NeedsNativeArchitecture: false),
        Platforms.Xen => new WorkerRequirements(target.Architecture, "xen", NeedsNativeArchitecture: true),
        Platforms.Linuxu => new WorkerRequirements(target.Architecture, "linuxu", NeedsNativeArchitecture: true),
        _ => new WorkerRequirements(target.Architecture, "firecracker", NeedsNativeArchitecture: true),
    };
}

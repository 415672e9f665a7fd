using System.CommandLine;
using System.Text.Json;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;

namespace Farm.Cli;

/// <summary><c>farm plan [--json] PATH</c>: the jobs a Kraftfile fans out into, one per target.</summary>
internal static class PlanCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print the plan as one JSON object on stdout" };
        var path = new Argument<string>("PATH") { Description = "A Kraftfile, or a directory holding one" };
        var plan = new Command("plan", "Show the build plan: one job per target, its queue, merged kconfig and the worker it needs");
        plan.Options.Add(json);
        plan.Arguments.Add(path);
        plan.SetAction(result => Run(result.GetValue(path)!, result.GetValue(json), stdout, stderr));
        return plan;
    }

    private static int Run(string path, bool json, TextWriter stdout, TextWriter stderr)
    {
        var parsed = new KraftfileParser().Load(path);
        var planned = parsed.Kraftfile is { } k && parsed.IsValid ? Planner.Plan(k) : null;
        var diagnostics = parsed.Diagnostics.Concat(planned?.Diagnostics ?? []).ToList();
        foreach (var d in diagnostics)
        {
            stderr.WriteLine(d.Format());
        }

        var plan = planned?.Plan;
        if (json)
        {
            PlanReport.WriteJson(stdout, path, plan, diagnostics);
        }
        else if (plan is not null)
        {
            PlanReport.WriteText(stdout, plan);
        }

        return plan is null ? ExitCodes.InvalidInput : ExitCodes.Success;
    }
}

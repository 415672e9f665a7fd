using System.Text.Json;
using Farm.Core.Diagnostics;
using Farm.Core.Planning;

namespace Farm.Cli;

internal static class PlanReport
{
    public static void WriteText(TextWriter output, BuildPlan plan)
    {
        var k = plan.Kraftfile;
        if (plan.Runtime is { } runtime)
        {
            var only = k.Targets.Count == 0 ? "" : $", restricted to {string.Join(", ", k.Targets.Select(t => $"{t.Platform}/{t.Architecture}"))}";
            output.WriteLine($"{k.Name}: the targets come from the runtime image {runtime.Reference}: one job per platform its index offers{only}.");
            output.WriteLine("They are known once the farm reads that index from the registry.");
            return;
        }

        output.WriteLine($"{k.Name}: {plan.Jobs.Count} job(s)");
        foreach (var job in plan.Jobs)
        {
            var native = job.Requires.NeedsNativeArchitecture ? "native " : "";
            var target = $"{job.Platform}/{job.Architecture}";
            output.WriteLine($"  {job.Target,-24} {target,-14} queue {job.Queue,-14} needs {native}{job.Requires.Architecture} + {job.Requires.Hypervisor}; {job.KConfig.Count} kconfig values -> {job.KernelFileName}");
        }
    }

    public static void WriteJson(TextWriter output, string path, BuildPlan? plan, IReadOnlyList<Diagnostic> diagnostics)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, CheckReport.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteBoolean("valid", plan is not null);
            if (plan is not null)
            {
                json.WriteString("name", plan.Kraftfile.Name);
                json.WriteString("kind", CheckReport.KindName(plan.Kraftfile.Kind));
                if (plan.Runtime is { } runtime)
                {
                    json.WriteString("targetsFrom", runtime.Reference);
                }
                else
                {
                    json.WriteNull("targetsFrom");
                }

                WriteJobs(json, plan.Jobs);
            }

            CheckReport.WriteDiagnostics(json, "warnings", diagnostics.Where(d => !d.IsError));
            CheckReport.WriteDiagnostics(json, "errors", diagnostics.Where(d => d.IsError));
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteJobs(Utf8JsonWriter json, IReadOnlyList<TargetJob> jobs)
    {
        json.WriteStartArray("jobs");
        foreach (var job in jobs)
        {
            json.WriteStartObject();
            json.WriteString("target", job.Target);
            json.WriteString("platform", job.Platform);
            json.WriteString("architecture", job.Architecture);
            json.WriteString("queue", job.Queue);
            json.WriteString("kernel", job.KernelFileName);
            json.WriteStartObject("requires");
            json.WriteString("architecture", job.Requires.Architecture);
            json.WriteString("hypervisor", job.Requires.Hypervisor);
            json.WriteBoolean("nativeArchitecture", job.Requires.NeedsNativeArchitecture);
            json.WriteEndObject();
            json.WriteStartObject("kconfig");
            foreach (var (key, value) in job.KConfig)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}

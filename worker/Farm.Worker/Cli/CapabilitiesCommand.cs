using System.CommandLine;
using System.Text.Json;
using Farm.Worker.Capabilities;

using Farm.Worker.Settings;

namespace Farm.Worker.Cli;

/// <summary><c>worker capabilities [--json]</c>: what this host can build and boot, and the queues it serves.</summary>
internal static class CapabilitiesCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print the capabilities as one JSON object" };
        var command = new Command("capabilities", "Detect compilers and hypervisors (with probe boots) and the queues this worker can serve");
        command.Options.Add(json);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (await WorkerSettings.LoadOrReportAsync(stderr, "worker capabilities").ConfigureAwait(false) is not { } settings)
            {
                return WorkerCli.UsageError;
            }

            var capabilities = await CapabilityDetector.DetectAsync(settings.Worker.Queues, cancellationToken).ConfigureAwait(false);
            await stdout.WriteAsync(result.GetValue(json) ? ToJson(capabilities) : ToText(capabilities)).ConfigureAwait(false);
            return WorkerCli.Success;
        });
        return command;
    }

    public static string ToText(HostCapabilities capabilities)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"host architecture: {capabilities.HostArchitecture}");
        foreach (var (architecture, toolchain) in capabilities.Toolchains)
        {
            text.AppendLine($"compiler {architecture}: {toolchain.CompilerPath}{(toolchain.IsCross ? $" (CROSS_COMPILE={toolchain.CrossCompile})" : string.Empty)}");
        }

        foreach (var (architecture, problem) in capabilities.MissingToolchains)
        {
            text.AppendLine($"compiler {architecture}: none — {problem}");
        }

        foreach (var (tool, problem) in capabilities.MissingBuildTools)
        {
            text.AppendLine($"build tool {tool}: none — {problem}; no queue is served without it");
        }

        if (capabilities.EmulatedX8664Features is { } features)
        {
            text.AppendLine($"emulated x86_64 CPU features: {(features.Count > 0 ? string.Join(' ', features.Order(StringComparer.Ordinal)) : "none")} (rdrand, rdseed probed)");
        }

        foreach (var probe in new[] { capabilities.Kvm }.Concat(capabilities.Hypervisors))
        {
            text.AppendLine($"{probe.Name}: {(probe.Works ? "works" : "unavailable")} — {probe.Problem ?? probe.Detail}");
        }

        text.AppendLine($"queues: {string.Join(' ', capabilities.Queues)}");
        if (!capabilities.Queues.SequenceEqual(capabilities.DetectedQueues))
        {
            text.AppendLine($"detected queues (restricted by Farm__Worker__Queues): {string.Join(' ', capabilities.DetectedQueues)}");
        }

        return text.ToString();
    }

    public static string ToJson(HostCapabilities capabilities)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("hostArchitecture", capabilities.HostArchitecture);
            json.WriteStartObject("compilers");
            foreach (var (architecture, toolchain) in capabilities.Toolchains)
            {
                json.WriteStartObject(architecture);
                json.WriteString("path", toolchain.CompilerPath);
                json.WriteString("crossCompile", toolchain.CrossCompile);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartObject("missingCompilers");
            foreach (var (architecture, problem) in capabilities.MissingToolchains)
            {
                json.WriteString(architecture, problem);
            }

            json.WriteEndObject();
            json.WriteStartObject("missingBuildTools");
            foreach (var (tool, problem) in capabilities.MissingBuildTools)
            {
                json.WriteString(tool, problem);
            }

            json.WriteEndObject();
            if (capabilities.EmulatedX8664Features is { } features)
            {
                json.WriteStartArray("emulatedX8664Features");
                foreach (var feature in features.Order(StringComparer.Ordinal))
                {
                    json.WriteStringValue(feature);
                }

                json.WriteEndArray();
            }

            json.WriteStartArray("hypervisors");
            foreach (var probe in new[] { capabilities.Kvm }.Concat(capabilities.Hypervisors))
            {
                json.WriteStartObject();
                json.WriteString("name", probe.Name);
                json.WriteBoolean("works", probe.Works);
                json.WriteString("detail", probe.Detail);
                if (probe.Problem is { } problem)
                {
                    json.WriteString("problem", problem);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteStrings(json, "queues", capabilities.Queues);
            WriteStrings(json, "detectedQueues", capabilities.DetectedQueues);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}

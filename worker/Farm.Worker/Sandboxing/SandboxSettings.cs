using System.Globalization;

namespace Farm.Worker.Sandboxing;

/// <summary>
/// The build sandbox's settings, from the worker's environment: <c>Farm__Worker__Sandbox</c> (<c>on</c>, the default,
/// or <c>off</c>, only for hosts that cannot make namespaces: it refuses untrusted builds) and the limits, each per
/// sandboxed command: <c>Farm__Worker__Sandbox__MemoryMegabytes</c> (data of one process, default 4096),
/// <c>__Processes</c> (default 512), <c>__FileMegabytes</c> (largest file written, default 2048) and
/// <c>__TmpMegabytes</c> (its private /tmp, default 512). Time is each step's own deadline.
/// </summary>
internal sealed record SandboxSettings(bool Enabled, int MemoryMegabytes, int Processes, int FileMegabytes, int TmpMegabytes)
{
    public const string Variable = "Farm__Worker__Sandbox";

    public static SandboxSettings Default { get; } = new(Enabled: true, MemoryMegabytes: 4096, Processes: 512, FileMegabytes: 2048, TmpMegabytes: 512);

    /// <summary>The settings, or the problem that names the variable.</summary>
    public static (SandboxSettings? Settings, string? Problem) FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var mode = read(Variable)?.Trim().ToLowerInvariant();
        if (mode is not (null or "" or "on" or "off"))
        {
            return (null, $"{Variable}: '{mode}' is neither on nor off");
        }

        var settings = Default with { Enabled = mode != "off" };
        foreach (var (name, apply) in new (string, Func<SandboxSettings, int, SandboxSettings>)[]
        {
            ("MemoryMegabytes", (s, v) => s with { MemoryMegabytes = v }),
            ("Processes", (s, v) => s with { Processes = v }),
            ("FileMegabytes", (s, v) => s with { FileMegabytes = v }),
            ("TmpMegabytes", (s, v) => s with { TmpMegabytes = v }),
        })
        {
            var variable = $"{Variable}__{name}";
            if (read(variable) is not { Length: > 0 } text)
            {
                continue;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                return (null, $"{variable}: '{text}' is not a positive whole number");
            }

            settings = apply(settings, value);
        }

        return (settings, null);
    }
}

using System.ComponentModel.DataAnnotations;
using Farm.State.Settings;

namespace Farm.Worker.Settings;

/// <summary>
/// <c>Farm__Worker__*</c>: what one worker process is and where it works. Read by <c>worker serve</c>, the worker's
/// other commands and the embedded worker of <c>farm build</c>; checked before the worker detects its host.
/// </summary>
public sealed class WorkerOptions : ISettingsCheck
{
    public const string Section = "Farm:Worker";

    /// <summary><c>Farm__Worker__Name</c>: how the farm lists this worker; default <c>HOST-PID</c>.</summary>
    public string? Name { get; init; }

    /// <summary><c>Farm__Worker__Queues__0..N</c>: restrict the queues this worker serves (never adds one it cannot serve).</summary>
    public List<string> Queues { get; init; } = [];

    /// <summary><c>Farm__Worker__CacheDirectory</c>: checkouts, build directories, the target cache; default <c>$XDG_CACHE_HOME/unikernel-farm</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary><c>Farm__Worker__WorkDirectory</c>: the apps' copies, the kept build directories and each running target's outputs; default <c>work/NAME</c> in the cache directory.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary><c>Farm__Worker__Parallel</c>: targets built at once by <c>worker serve</c>.</summary>
    [Range(1, 256)]
    public int Parallel { get; init; } = 1;

    /// <summary>
    /// <c>Farm__Worker__WorkspaceDays</c>: an app's copy, a kept build directory or a left target output unused this
    /// many days is removed by <c>worker serve</c> (at start, then every 6 hours).
    /// </summary>
    [Range(1, 3650)]
    public int WorkspaceDays { get; init; } = 7;

    /// <summary><c>Farm__Worker__MetricsUrl</c>: where the worker serves Prometheus metrics (<c>http://0.0.0.0:9464/metrics</c>); none when unset.</summary>
    public string? MetricsUrl { get; init; }

    /// <summary><c>Farm__Worker__OriginsDirectory</c>: library origins (lwIP, musl tarballs) builds take instead of downloading.</summary>
    public string? OriginsDirectory { get; init; }

    public SandboxOptions Sandbox { get; init; } = new();

    /// <summary>The cache directory as configured, else the user's (<c>XDG_CACHE_HOME</c>).</summary>
    public string ResolvedCacheDirectory => CacheDirectory ?? State.Sources.SourceCacheLocations.UserDirectory();

    public string ResolvedName => Name ?? $"{Environment.MachineName}-{Environment.ProcessId}";

    public IEnumerable<(string Key, string Problem)> Problems()
    {
        // The same form Telemetry.MetricsEndpoint.Parse takes (checked here so Settings depends on no other namespace).
        if (MetricsUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.Query.Length > 0 || uri.Fragment.Length > 0))
        {
            yield return (nameof(MetricsUrl), $"'{url}' is not an http URL (e.g. http://0.0.0.0:9464/metrics)");
        }

        if (OriginsDirectory is { Length: > 0 } origins && !Directory.Exists(origins))
        {
            yield return (nameof(OriginsDirectory), $"'{origins}' is not a directory");
        }

        if (Name is { } name && (name.Length > 200 || name.Any(char.IsControl)))
        {
            yield return (nameof(Name), "is longer than 200 characters or holds control characters");
        }
    }
}

/// <summary>Whether builds run in the bubblewrap sandbox.</summary>
public enum SandboxMode
{
    On,
    Off,
}

/// <summary>
/// <c>Farm__Worker__Sandbox</c> (<c>on</c> or <c>off</c>, only for hosts that cannot make namespaces: it refuses
/// untrusted builds) and its limits, each per sandboxed command; time is each step's own deadline.
/// </summary>
public sealed class SandboxOptions
{
    /// <summary><c>Farm__Worker__Sandbox</c>: on or off.</summary>
    [SectionValue]
    public SandboxMode Mode { get; init; } = SandboxMode.On;

    /// <summary><c>Farm__Worker__Sandbox__MemoryMegabytes</c>: data of one process.</summary>
    [Range(1, int.MaxValue)]
    public int MemoryMegabytes { get; init; } = 4096;

    /// <summary><c>Farm__Worker__Sandbox__Processes</c>: processes of the build user.</summary>
    [Range(1, int.MaxValue)]
    public int Processes { get; init; } = 512;

    /// <summary><c>Farm__Worker__Sandbox__FileMegabytes</c>: the largest file written.</summary>
    [Range(1, int.MaxValue)]
    public int FileMegabytes { get; init; } = 2048;

    /// <summary><c>Farm__Worker__Sandbox__TmpMegabytes</c>: its private /tmp.</summary>
    [Range(1, int.MaxValue)]
    public int TmpMegabytes { get; init; } = 512;
}

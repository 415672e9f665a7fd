using Microsoft.Extensions.Logging;

namespace Farm.Worker.Settings;

/// <summary><c>Farm__Logging__Json</c>: the worker's own log as one JSON object per line (as the farm's), else plain lines.</summary>
public sealed class WorkerLoggingOptions
{
    public const string Section = "Farm:Logging";

    public bool Json { get; init; }
}

/// <summary><c>Logging__LogLevel__Default</c>: the least level the worker's own log shows (trace ... critical, none).</summary>
public sealed class LogLevelOptions
{
    public const string Section = "Logging:LogLevel";

    public LogLevel Default { get; init; } = LogLevel.Information;
}

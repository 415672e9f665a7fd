namespace Farm.Configuration;

/// <summary><c>Farm__Logging__*</c>: the farm's own log (not a target's build log, which the API serves).</summary>
public sealed class LoggingSettings
{
    /// <summary><c>Farm__Logging__Json=true</c>: one JSON object per line on the console (for journald, Loki, ...), else plain lines.</summary>
    public bool Json { get; init; }
}

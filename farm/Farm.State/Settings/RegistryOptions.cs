using System.ComponentModel.DataAnnotations;
using Farm.Core.Oci.Distribution;

namespace Farm.State.Settings;

/// <summary>
/// <c>Farm__Registry__*</c> as a worker reads them: the same timeouts as the farm's, so a silent registry ends a
/// worker's push as well. (The farm binds the same section into its own options, with the same ranges.)
/// </summary>
public sealed class RegistryOptions
{
    public const string Section = "Farm:Registry";

    private static readonly RegistryClientOptions Defaults = new();

    /// <summary><c>Farm__Registry__Url</c>: the default registry for images named without one (host:port).</summary>
    public string? Url { get; init; }

    /// <summary><c>Farm__Registry__Insecure</c>: plain HTTP to every registry (loopback ones always are).</summary>
    public bool Insecure { get; init; }

    /// <summary><c>Farm__Registry__RequestTimeoutSeconds</c>: one request to its answer.</summary>
    [Range(1, 3600)]
    public int RequestTimeoutSeconds { get; init; } = (int)Defaults.RequestTimeout.TotalSeconds;

    /// <summary><c>Farm__Registry__OperationTimeoutSeconds</c>: one operation with all its retries.</summary>
    [Range(1, 86_400)]
    public int OperationTimeoutSeconds { get; init; } = (int)Defaults.OperationTimeout.TotalSeconds;

    /// <summary><c>Farm__Registry__MaxAttempts</c>: tries of an idempotent request.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; init; } = Defaults.MaxAttempts;

    public RegistryClientOptions ClientOptions() => Defaults with
    {
        Insecure = Insecure,
        RequestTimeout = TimeSpan.FromSeconds(RequestTimeoutSeconds),
        OperationTimeout = TimeSpan.FromSeconds(OperationTimeoutSeconds),
        MaxAttempts = MaxAttempts,
    };
}

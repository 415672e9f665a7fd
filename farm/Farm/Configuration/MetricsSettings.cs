namespace Farm.Configuration;

/// <summary><c>Farm__Metrics__*</c>: who may read <c>/metrics</c>.</summary>
public sealed class MetricsSettings
{
    /// <summary>
    /// <c>Farm__Metrics__Token</c>: when set (16+ characters), <c>/metrics</c> answers only <c>Authorization: Bearer
    /// TOKEN</c> (Prometheus' <c>authorization: {credentials: ...}</c>). Unset: open on the farm's port, as Prometheus
    /// exporters usually are; the series name apps, queues and workers, never a secret.
    /// </summary>
    public string? Token { get; init; }
}

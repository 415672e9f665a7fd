using Prometheus;

namespace Farm.Worker.Telemetry;

/// <summary>
/// <c>Farm__Worker__MetricsUrl</c> (e.g. <c>http://0.0.0.0:9464/metrics</c>): where a worker serves its
/// <see cref="WorkerMetrics"/> for Prometheus to scrape. Unset: no listener. Workers expose their own rather than push
/// through the farm: Prometheus pulls, a worker that is gone stops answering (its <c>up</c> says so) instead of leaving
/// stale numbers at the farm, and nothing per-tier has to travel through the database.
/// </summary>
public static class MetricsEndpoint
{
    public const string Variable = "Farm__Worker__MetricsUrl";

    /// <summary>The listener's parts from the setting, or the reason it is not a usable URL.</summary>
    public static (string Host, int Port, string Path)? Parse(string value, out string? problem)
    {
        problem = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problem = $"{Variable}: '{value}' is not an http URL (e.g. http://0.0.0.0:9464/metrics)";
            return null;
        }

        // HttpListener's "every address" is "+"; 0.0.0.0 and [::] are what operators write.
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" or "*" ? "+" : uri.Host;
        var path = uri.AbsolutePath.Trim('/');
        return (host, uri.Port, path.Length == 0 ? "metrics/" : path + "/");
    }

    public static IMetricServer Start(string host, int port, string path, CollectorRegistry registry) =>
        new MetricServer(host, port, path, registry).Start();
}

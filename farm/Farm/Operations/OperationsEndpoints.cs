using System.Security.Cryptography;
using System.Text;
using Farm.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Farm.Operations;

/// <summary>
/// What load balancers, systemd and Prometheus ask, outside <c>/api</c> (no API token):
/// <c>/healthz</c> (the process answers), <c>/readyz</c> (its parts answer: 503 naming each failing one) and
/// <c>/metrics</c> (Prometheus text; behind <c>Farm__Metrics__Token</c> when set).
/// </summary>
internal static partial class OperationsEndpoints
{
    public const string Health = "/healthz";
    public const string Ready = "/readyz";
    public const string MetricsPath = "/metrics";

    public static void MapOperations(this IEndpointRouteBuilder app, ReadinessProbe readiness, FarmMetrics metrics, string? metricsToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMethods(Health, ["GET", "HEAD"], () => Results.Json(new { status = "up" }));
        app.MapMethods(Ready, ["GET", "HEAD"], async (HttpContext context) =>
        {
            var parts = await readiness.CheckAsync(context.RequestAborted).ConfigureAwait(false);
            var failing = parts.Where(p => !p.Ready).ToList();
            var checks = parts.ToDictionary(p => p.Part, p => p.Detail);
            return failing.Count == 0
                ? Results.Json(new { status = "ready", parts = checks })
                : Results.Json(
                    new
                    {
                        error = $"not ready: {string.Join("; ", failing.Select(p => $"{p.Part} {p.Detail}"))}",
                        status = "not ready",
                        failing = failing.Select(p => p.Part),
                        parts = checks,
                    },
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        var expected = metricsToken is { Length: > 0 } ? Encoding.UTF8.GetBytes($"Bearer {metricsToken}") : null;
        app.MapGet(MetricsPath, async (HttpContext context) =>
        {
            if (expected is not null)
            {
                var failures = context.RequestServices.GetRequiredService<FailedAuthentications>();
                if (failures.Blocked(context) is { } blocked)
                {
                    await blocked.ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }

                // Constant time: the comparison must not tell a guesser how much of the token was right.
                if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), expected))
                {
                    await failures.Refuse(context, "/metrics needs Authorization: Bearer with Farm__Metrics__Token").ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }
            }

            try
            {
                // Into memory first: a failed store read must become a 503, not half an exposition after a 200.
                using var buffer = new MemoryStream();
                await metrics.Registry.CollectAndExportAsTextAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                buffer.Position = 0;
                await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                Log.ScrapeFailed(context.RequestServices.GetRequiredService<ILogger<FarmMetrics>>(), ex);
                await Results.Json(new { error = "metrics unavailable: the farm's database did not answer (see /readyz)" }, statusCode: StatusCodes.Status503ServiceUnavailable)
                    .ExecuteAsync(context).ConfigureAwait(false);
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "A /metrics scrape failed: the store could not be read")]
        public static partial void ScrapeFailed(ILogger logger, Exception exception);
    }
}

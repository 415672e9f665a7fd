using Farm.Configuration;
using Farm.Core.Oci.Distribution;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Npgsql;

namespace Farm.Operations;

/// <summary>Health, readiness, metrics and the farm's own log, set up in one place for <c>farm serve</c>.</summary>
internal static partial class FarmOperations
{
    /// <summary>
    /// The farm's log: plain lines on stderr, or one JSON object per line with <c>Farm__Logging__Json=true</c>;
    /// warnings and up unless <c>Logging__LogLevel__Default</c> says otherwise.
    /// </summary>
    public static void AddFarmLogging(this WebApplicationBuilder builder, FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        if (options.Logging.Json)
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                json.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        }

        // Every level to stderr: stdout carries only what the CLI prints ("listening on ...").
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    public static void AddFarmOperations(this WebApplicationBuilder builder, FarmOptions options, NpgsqlDataSource database)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var checks = new List<IReadinessCheck> { new PostgresReadiness(database) };
        if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
        {
            checks.Add(new RedisReadiness(redis));
        }

        if (options.Registry.Url is { Length: > 0 } registry)
        {
            var host = registry.Split('/')[0];
            var scheme = options.Registry.Insecure || RegistryClient.IsLoopback(host) ? "http" : "https";
            checks.Add(new RegistryReadiness(new Uri($"{scheme}://{host}"), new HttpClient { Timeout = ReadinessProbe.PartTimeout }));
        }

        builder.Services.AddSingleton(services => new ReadinessProbe(checks, services.GetRequiredService<ILogger<ReadinessProbe>>(), TimeProvider.System));
        builder.Services.AddSingleton(_ => new FarmMetrics(database, options.Workers.DeadAfter));
    }

    public static void MapFarmOperations(this WebApplication app, FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        var metrics = app.Services.GetRequiredService<FarmMetrics>();
        app.MapOperations(app.Services.GetRequiredService<ReadinessProbe>(), metrics, options.Metrics.Token);
        var logger = app.Services.GetRequiredService<ILogger<FarmMetrics>>();
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await metrics.WarmUpAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
                {
                    // The first scrape reads the history instead.
                    WarmUpFailed(logger, ex);
                }
            },
            CancellationToken.None);
    }

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Reading the store's history for /metrics at start-up failed; the first scrape reads it")]
    private static partial void WarmUpFailed(ILogger logger, Exception exception);
}

using System.CommandLine;
using Farm.Core.Oci.Repositories;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Worker.Jobs;
using Farm.State.Postgres;
using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;

using Farm.Worker.Settings;

namespace Farm.Worker.Cli;

/// <summary>
/// <c>worker serve</c>: detects this host, registers with the farm (PostgreSQL, <c>ConnectionStrings__Postgres</c>),
/// heartbeats, and runs a Hangfire server on exactly the queues it can serve (<c>Farm__Worker__Queues__N</c> narrows
/// them). Runs until interrupted; a job in flight when it stops is fetched again by another worker.
/// </summary>
internal static class ServeCommand
{
    /// <summary>How long a starting worker tries to reach the database (down, starting, or the host too busy to connect in time).</summary>
    private static readonly TimeSpan DatabaseWait = TimeSpan.FromMinutes(2);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("serve", "Serve the farm's target jobs this host can build and boot (configured by ConnectionStrings__Postgres, Farm__Worker__*)");
        command.SetAction((_, cancellationToken) => RunAsync(stdout, stderr, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is not { Length: > 0 } postgres)
        {
            await stderr.WriteLineAsync("worker serve: ConnectionStrings__Postgres is not set (the farm's database, e.g. Host=db;Username=farm;Password=...;Database=farm)").ConfigureAwait(false);
            return WorkerCli.UsageError;
        }

        if (await WorkerSettings.LoadOrReportAsync(stderr, "worker serve").ConfigureAwait(false) is not { } settings)
        {
            return WorkerCli.UsageError;
        }

        var name = settings.Worker.ResolvedName;
        var metricsAt = settings.Worker.MetricsUrl is { Length: > 0 } metricsUrl ? Telemetry.MetricsEndpoint.Parse(metricsUrl, out _) : null;
        await using var database = FarmConnections.Open(postgres, $"farm worker {name}");
        try
        {
            await DatabaseStart.MigrateAsync(database, DatabaseWait, (why, delay) => stderr.WriteLine($"worker serve: the farm's database did not answer ({why}); trying again in {delay.TotalSeconds:0.#} s"), cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"worker serve: cannot reach the farm's database: {ex.Message}").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        var work = settings.Worker.WorkDirectory ?? Path.Combine(settings.Worker.ResolvedCacheDirectory, "work", name);
        if (Sandboxing.BuildSandbox.Check() is { } sandboxProblem)
        {
            await stderr.WriteLineAsync($"worker serve: {sandboxProblem}").ConfigureAwait(false);
            return WorkerCli.UsageError;
        }

        if (!Sandboxing.BuildSandbox.Current.Enabled)
        {
            await stderr.WriteLineAsync($"worker serve: warning: the build sandbox is off ({Sandboxing.SandboxSettings.Variable}=off): build code runs as this worker with its environment, and untrusted builds are refused").ConfigureAwait(false);
        }

        var runtime = await WorkerRuntime.StartAsync(name, work, settings.Worker.Queues, settings, cancellationToken).ConfigureAwait(false);
        if (runtime.Queues.Count == 0)
        {
            await stderr.WriteLineAsync("worker serve: this host serves no queue (see 'worker capabilities'); nothing to do").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        var registry = new WorkerRegistry(database);
        var drain = await registry.RegisterAsync(name, runtime.Queues, Capabilities.WorkerDescription.Json(runtime.Capabilities), cancellationToken).ConfigureAwait(false);
        var store = new PostgresBuildStore(database);
        var storage = await FarmHangfireStorage.CreateServingAsync(settings.Hangfire, store.Listener, runtime.Queues, cancellationToken).ConfigureAwait(false);
        // The same registry timeouts as the farm's (Farm__Registry__*), so a silent registry ends a worker's push as well.
        var options = settings.Registry.ClientOptions();
        IOciRepository Open(OciReference reference) => OciRepositories.Open(reference, options with { Insecure = options.Insecure || (!reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!)) });
        using var loggers = Telemetry.WorkerLogging.Create(settings.Logging.Json, settings.LogLevel.Default);
        var logger = loggers.CreateLogger("Farm.Worker.Serve");
        store.Listener.LogTo(loggers.CreateLogger<BuildChangeListener>());
        using var metrics = new Telemetry.WorkerMetrics(name);
        Prometheus.IMetricServer? metricServer = null;
        if (metricsAt is { } at)
        {
            try
            {
                metricServer = Telemetry.MetricsEndpoint.Start(at.Host, at.Port, at.Path, metrics.Registry);
            }
            catch (System.Net.HttpListenerException ex)
            {
                await stderr.WriteLineAsync($"worker serve: {Telemetry.MetricsEndpoint.Variable}: cannot listen on {at.Host}:{at.Port}: {ex.Message}").ConfigureAwait(false);
                return WorkerCli.Failed;
            }
        }

        using var metricsListener = metricServer;
        var jobs = new BackgroundJobClient(storage);
        var reroute = new CpuReroute(registry, new TargetRecovery(database), store, jobs, runtime.Queues);
        var job = new TargetBuildJob(runtime, store, jobs, Open, new Telemetry.TargetActivityLog(loggers.CreateLogger<TargetBuildJob>(), metrics), reroute);
        var workerCount = settings.Worker.Parallel;
        // A stop (drain, SIGTERM) never aborts a running target: a drain waits for it; SIGTERM gives it a few seconds.
        using var server = new DrainableJobServer(() => new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = name,
                Queues = [.. runtime.Queues],
                WorkerCount = workerCount,
                // Delayed jobs (retries) and the catalog's recurring job are moved to their queue by the farm's server
                // every 15 s; a worker's scheduler is a spare, and each of its polls takes a lock (about 5 transactions).
                SchedulePollingInterval = TimeSpan.FromMinutes(1),
                StopTimeout = Timeout.InfiniteTimeSpan,
                ShutdownTimeout = Timeout.InfiniteTimeSpan,
                Activator = new SingleJobActivator(job),
                FilterProvider = JobFailureFilter.With(store, new BackgroundJobClient(storage), loggers.CreateLogger<JobFailureFilter>()),
            },
            storage));
        server.Follow(drain);
        await stdout.WriteLineAsync($"worker {name}: serving {string.Join(", ", runtime.Queues)}; sandbox: {Sandboxing.BuildSandbox.Current.Describe()}{(drain == WorkerDrain.Serving ? string.Empty : $"; {drain.Name()}: takes no target until resumed (POST /api/workers/{name}/resume)")}").ConfigureAwait(false);
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        var workspaces = new Targets.WorkspaceSweep(work, TimeSpan.FromDays(settings.Worker.WorkspaceDays), stdout, name);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                workspaces.StartIfDue();
                await Task.Delay(WorkerRegistry.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                try
                {
                    drain = await registry.HeartbeatAsync(name, cancellationToken).ConfigureAwait(false);
                    await FollowAsync(server, registry, name, drain, stderr, cancellationToken).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    ServeLog.HeartbeatFailed(logger, ex, name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return WorkerCli.Success;
    }

    /// <summary>Starts or stops taking targets as the farm asks; confirms a drain once nothing runs.</summary>
    private static async Task FollowAsync(DrainableJobServer server, WorkerRegistry registry, string name, WorkerDrain drain, TextWriter stderr, CancellationToken cancellationToken)
    {
        var wasServing = server.Serving;
        if (server.Follow(drain))
        {
            await registry.MarkDrainedAsync(name, cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync($"worker {name}: drained (no target running, none taken until resumed)").ConfigureAwait(false);
        }
        else if (wasServing && !server.Serving)
        {
            await stderr.WriteLineAsync($"worker {name}: draining: the running targets finish, no new one is taken").ConfigureAwait(false);
        }
        else if (!wasServing && server.Serving && drain == WorkerDrain.Serving)
        {
            await stderr.WriteLineAsync($"worker {name}: resumed").ConfigureAwait(false);
        }
    }

    private sealed class SingleJobActivator(TargetBuildJob job) : JobActivator
    {
        public override object ActivateJob(Type jobType) =>
            jobType == typeof(ITargetBuildJob) || jobType == typeof(TargetBuildJob) ? job : throw new InvalidOperationException($"worker: no job of type {jobType.Name} here");
    }
}

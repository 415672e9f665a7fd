using Farm.Core.Oci.Repositories;
using Farm.Builds;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Worker.Jobs;
using Hangfire;
using Hangfire.InMemory;

namespace Farm.Embedded;

/// <summary>
/// The whole farm in one process (<c>farm build</c>): Hangfire on in-memory storage, one server for the queues this
/// host's worker serves plus the farm's own, the in-memory build store, and the same jobs <c>farm serve</c> and
/// <c>worker serve</c> run on PostgreSQL.
/// </summary>
internal sealed class EmbeddedFarm : IAsyncDisposable
{
    private readonly InMemoryStorage _storage;
    private readonly BackgroundJobServer _server;

    private EmbeddedFarm(WorkerRuntime worker, int parallelTargets, RegistryClientOptions registry, RuntimeMirrors mirrors, Core.Sources.SourcePolicy policy)
    {
        Worker = worker;
        _storage = new InMemoryStorage(new InMemoryStorageOptions());
        IOciRepository Open(OciReference reference) => OciRepositories.Open(reference, registry);
        var client = new BackgroundJobClient(_storage);
        var activator = new FarmJobActivator(new Dictionary<Type, object>
        {
            [typeof(ITargetBuildJob)] = new TargetBuildJob(worker, Store, client, Open),
            [typeof(IAssembleJob)] = new AssembleJob(Store, Open),
        });
        _server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = worker.Name,
                Queues = [.. worker.Queues, FarmQueues.Assemble, FarmQueues.Control],
                WorkerCount = parallelTargets + 1,
                Activator = activator,
                FilterProvider = JobFailureFilter.With(Store, client, new CliErrorLogger(Console.Error)),
                SchedulePollingInterval = TimeSpan.FromSeconds(1),
            },
            _storage);
        Submitter = new BuildSubmitter(Store, client, (platform, architecture, _) => Task.FromResult(worker.WhyNotServed(platform, architecture)), mirrors, Open, policy);
    }

    public InMemoryBuildStore Store { get; } = new();

    public BuildSubmitter Submitter { get; }

    private WorkerRuntime Worker { get; }

    /// <summary>The embedded worker's name and the queues it serves, as <c>farm build</c> reports them.</summary>
    public string WorkerDescription => $"{Worker.Name} serves {string.Join(", ", Worker.Queues)}";

    /// <param name="settings">The embedded worker's settings, checked.</param>
    /// <param name="smoke">Boot every image before it counts (the default); false builds every platform this host compiles for, untested.</param>
    public static async Task<EmbeddedFarm> StartAsync(string workDirectory, int parallelTargets, RegistryClientOptions registry, RuntimeMirrors mirrors, bool smoke, EmbeddedWorkerSettings settings, CancellationToken cancellationToken)
    {
        var worker = await WorkerRuntime.StartAsync($"embedded-{Environment.MachineName}", workDirectory, [], settings.Worker, cancellationToken).ConfigureAwait(false);
        worker = worker.WithCompileJobs(Math.Max(1, Environment.ProcessorCount / parallelTargets)).ForLocalBuilds();
        if (!smoke)
        {
            worker = worker.WithoutSmoke();
        }

        return new EmbeddedFarm(worker, parallelTargets, registry, mirrors, settings.Worker.Sources.Policy());
    }

    public async ValueTask DisposeAsync()
    {
        _server.SendStop();
        await Task.Run(() => _server.Dispose()).ConfigureAwait(false);
        _storage.Dispose();
    }
}

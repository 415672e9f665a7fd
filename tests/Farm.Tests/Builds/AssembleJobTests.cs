using Farm.Builds;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Worker.Jobs;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.States;

namespace Farm.Tests.Builds;

/// <summary>
/// The assemble job as Hangfire sees it: created through <see cref="IAssembleJob"/> (as workers and the submitter
/// create it), its retries are the interface's, and a failure Hangfire gives up on fails the build with the reason.
/// </summary>
public sealed class AssembleJobTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AutomaticRetry_JobCreatedThroughTheInterface_HasTheInterfacesBoundedRetries()
    {
        var job = Job.FromExpression<IAssembleJob>(j => j.AssembleAsync("b", CancellationToken.None), FarmQueues.Assemble);

        var retries = JobFilterProviders.Providers.GetFilters(job).Select(f => f.Instance).OfType<AutomaticRetryAttribute>().ToList();

        Assert.Equal([IAssembleJob.Retries], retries.Select(r => r.Attempts));
    }

    [Fact]
    public async Task AssembleAsync_RegistryUnreachable_FailsTheBuildWithTheReason_WithoutARetry()
    {
        var store = new InMemoryBuildStore();
        await CreateSucceededAsync(store, "b");
        var job = new AssembleJob(store, _ => new RegistryRepository(new RegistryClient("127.0.0.1:1", new RegistryClientOptions { Insecure = true, MaxAttempts = 1 }), "apps/hello"));

        await job.AssembleAsync("b", Ct);

        var build = (await store.GetAsync("b", Ct))!;
        Assert.Equal(BuildState.Failed, build.State);
        Assert.StartsWith("publishing failed: 127.0.0.1:1: cannot reach the registry (1 attempt)", build.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HangfireGivesUp_AssembleJobThrewOnItsLastRetry_TheBuildFailsWithTheException()
    {
        var store = new InMemoryBuildStore();
        await CreateSucceededAsync(store, "b");
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage);
        var id = client.Create(Job.FromExpression<IAssembleJob>(j => j.AssembleAsync("b", CancellationToken.None), FarmQueues.Assemble), new ScheduledState(TimeSpan.FromDays(1)));
        // As if every retry had been used: the next failure is the last.
        using (var connection = storage.GetConnection())
        {
            connection.SetJobParameter(id, "RetryCount", IAssembleJob.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        client.Requeue(id);
        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                Queues = [FarmQueues.Assemble],
                WorkerCount = 1,
                Activator = new Activator(new ThrowingAssembleJob()),
                FilterProvider = JobFailureFilter.With(store, client, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
            },
            storage);

        var build = await WaitForFinalAsync(store, "b");

        Assert.Equal(BuildState.Failed, build.State);
        Assert.Equal($"publishing failed: InvalidOperationException: the database went away (gave up after {IAssembleJob.Retries + 1} attempts)", build.Reason);
    }

    private static async Task CreateSucceededAsync(IBuildStore store, string id)
    {
        await store.CreateAsync(new BuildRecord(id, "hello", "Kraftfile", "127.0.0.1:1/apps/hello:v1", "trusted", DateTimeOffset.UtcNow), [new TargetRecord(id, "hello_qemu-x86_64", "qemu/x86_64", "qemu", "x86_64", "qemu-x86_64")], Ct);
        var entry = """{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1,"platform":{"architecture":"amd64","os":"linux"}}""";
        await store.CompleteTargetAsync(id, "hello_qemu-x86_64", new TargetOutcome(TargetState.Succeeded, null) { IndexEntry = entry }, Ct);
    }

    private static async Task<BuildRecord> WaitForFinalAsync(IBuildStore store, string id)
    {
        // Generous: the job runs at once; this only proves that it ended.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (await store.GetAsync(id, Ct) is { } build && !build.State.IsFinal() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        return (await store.GetAsync(id, Ct))!;
    }

    private sealed class ThrowingAssembleJob : IAssembleJob
    {
        public Task AssembleAsync(string buildId, CancellationToken cancellationToken) => throw new InvalidOperationException("the database went away");
    }

    private sealed class Activator(object job) : JobActivator
    {
        public override object ActivateJob(Type jobType) => job;
    }
}

using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// The set-up shared by the tests that run <c>farm serve</c> and workers as real processes (drain, recovery, faults):
/// a work directory of their own, a git repository with helloworld and "slow" (helloworld whose make sleeps a few
/// seconds, so that a test can act while it builds), and the farm on a fresh database of the class's PostgreSQL.
/// </summary>
public abstract class ServedFarmTests : IAsyncLifetime
{
    private const string SlowKraftfile = "spec: v0.6\nname: slow\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\nx-farm:\n  smoke:\n    expect: \"Hello, world!\"\n";

    protected ServedFarmTests(PostgresServer postgres, string name)
    {
        Postgres = postgres;
        Work = Directory.CreateTempSubdirectory($"farm-{name}-").FullName;
    }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected PostgresServer Postgres { get; }

    protected string Work { get; }

    private protected SourceRepository Source { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Source = await SourceRepository.CreateAsync(Path.Combine(Work, "src"), Ct, ("slow", SourceRepository.HelloworldWith(SlowKraftfile, "SLOW_APP_PAUSE := $(shell sleep 3)\n")));

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Work, recursive: true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary><c>farm serve</c> with <paramref name="environment"/> on a fresh database; no worker yet.</summary>
    private protected Task<FarmCluster> StartFarmAsync(params (string Name, string Value)[] environment) =>
        FarmCluster.StartAsync(Postgres, Path.Combine(Work, "farm"), Ct, environment);

    /// <summary>Submits the "slow" app (its one target, qemu/x86_64) for <paramref name="image"/>.</summary>
    private protected Task<string> SubmitSlowAsync(FarmCluster farm, string image) =>
        farm.SubmitAsync(Source.Url, Source.Commit, "slow/Kraftfile", image, [], Ct);

    /// <summary>Submits helloworld's <paramref name="targets"/> for <paramref name="image"/>.</summary>
    private protected Task<string> SubmitHelloworldAsync(FarmCluster farm, string image, params string[] targets) =>
        farm.SubmitAsync(Source.Url, Source.Commit, "helloworld/Kraftfile", image, targets, Ct);

    /// <summary>How the build's targets ran, from the stores.</summary>
    private protected static Task<IReadOnlyList<TargetRuns>> RunsAsync(FarmCluster farm, string id) => TargetRuns.ReadAsync(farm.Database, id, Ct);
}

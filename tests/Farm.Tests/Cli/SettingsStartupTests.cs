using Farm.Tests.Shared;

namespace Farm.Tests.Cli;

/// <summary>
/// The built programs, run as an operator runs them, with one bad setting each: the process stops before it does
/// anything, with exit code 2 and one line naming the variable and what is wrong, never a stack trace.
/// </summary>
public sealed class SettingsStartupTests
{
    // Never reached: settings are checked before the database is opened.
    private static readonly (string, string)[] Serving = [("ConnectionStrings__Postgres", "Host=127.0.0.1;Port=1;Username=farm;Database=farm"), ("Farm__ApiTokens__0", "admin:0123456789abcdef0123")];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The worker as built in its own project (its dependencies differ from the farm host's, which this test binary has).
    private static string Worker => Path.Combine(ProjectReferences.RepositoryRoot(), "worker", "Farm.Worker", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "worker.dll");

    private static void AssertStoppedNaming(CliRun run, string expectedLine)
    {
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}; stderr: {run.Stderr}");
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith(expectedLine, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerServe_MalformedSourceStore_StopsAtStartUp_NamingTheVariable()
    {
        var run = await FarmProcess.RunAsync(["serve"], [.. Serving, ("Farm__Sources__Store", "Not A Store!")], Ct, Worker);

        AssertStoppedNaming(run, "worker serve: Farm__Sources__Store: 'Not A Store!' is not host:port/repo or oci:/path");
    }

    [Fact]
    public async Task WorkerServe_NegativeParallel_StopsAtStartUp_NamingTheVariable()
    {
        var run = await FarmProcess.RunAsync(["serve"], [.. Serving, ("Farm__Worker__Parallel", "-2")], Ct, Worker);

        AssertStoppedNaming(run, "worker serve: Farm__Worker__Parallel: '-2' is not between 1 and 256");
    }

    [Fact]
    public async Task FarmServe_MalformedSourceStore_StopsAtStartUp_NamingTheVariable()
    {
        var run = await FarmProcess.RunAsync(["serve", "--urls", "http://127.0.0.1:0"], [.. Serving, ("Farm__Sources__Store", "Not A Store!")], Ct);

        AssertStoppedNaming(run, "farm serve: Farm__Sources__Store: 'Not A Store!' is not host:port/repo or oci:/path");
    }

    [Fact]
    public async Task FarmServe_UnknownHangfireNumber_StopsAtStartUp_NamingTheVariable()
    {
        var run = await FarmProcess.RunAsync(["serve", "--urls", "http://127.0.0.1:0"], [.. Serving, ("Farm__Hangfire__PollMilliseconds", "fast")], Ct);

        AssertStoppedNaming(run, "farm serve: Farm__Hangfire__PollMilliseconds: 'fast' is not a whole number");
    }

    [Fact]
    public async Task FarmServe_MalformedFarmNumber_StopsNamingTheVariable_NotTheBindersException()
    {
        var run = await FarmProcess.RunAsync(["serve", "--urls", "http://127.0.0.1:0"], [.. Serving, ("Farm__Builds__TimeoutMinutes", "1h")], Ct);

        AssertStoppedNaming(run, "farm serve: Farm__Builds__TimeoutMinutes: '1h' is not a whole number");
    }

    [Fact]
    public async Task FarmBuild_MalformedCacheRegistry_StopsBeforeBuilding_NamingTheContractVariable()
    {
        var run = await FarmProcess.RunAsync(["build", "/nonexistent/app", "--output", "oci:/tmp/never-written"], [("FARM_CACHE_REGISTRY", "localhost:5000")], Ct);

        AssertStoppedNaming(run, "farm build: FARM_CACHE_REGISTRY: 'localhost:5000' is not host:port/repo of a registry");
    }
}

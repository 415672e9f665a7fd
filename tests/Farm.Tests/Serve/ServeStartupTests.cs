using Farm.Catalog;
using Farm.Configuration;
using Farm.Serve;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.Configuration;

namespace Farm.Tests.Serve;

/// <summary>
/// The parts <c>farm serve</c> starts from, each on its own: the settings it checks before anything starts, the jobs
/// and schedule of its Hangfire server, and its background loops' shutdown.
/// </summary>
public sealed class ServeStartupTests
{
    private const string Token = "operator:a-token-of-enough-length";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Read_EveryProblemAtOnce_EachNamesItsVariable()
    {
        var configuration = Configuration(
            ("Farm:ApiTokens:0", "short"),
            ("Farm:GitHub:App:AppId", "123"),
            ("Farm:GitHub:Oidc:Rules:0:RepositoryId", "42"));

        var (settings, problems) = ServeSettings.Read(configuration, Options(configuration));

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith("ConnectionStrings__Postgres is not set", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Farm__ApiTokens__0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Farm__GitHub__App__PrivateKeyFile", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Farm__GitHub__Oidc__Audience is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_GoodSettings_CarriesThemWithoutProblems()
    {
        var configuration = Configuration(("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1"), ("Farm:ApiTokens:0", Token));

        var (settings, problems) = ServeSettings.Read(configuration, Options(configuration));

        Assert.Empty(problems);
        Assert.Equal("Host=127.0.0.1;Port=1", settings!.Postgres);
        Assert.False(settings.App.IsConfigured);
        Assert.False(settings.Oidc.Enabled);
    }

    [Fact]
    public void ScheduleCatalog_ABadCron_NamesTheVariable_AndSchedulesNothing()
    {
        using var storage = new InMemoryStorage();
        var options = new FarmOptions { Catalog = new() { Repository = "https://github.com/org/catalog.git", Cron = "every night" } };

        var problem = FarmJobs.ScheduleCatalog(new RecurringJobManager(storage), catalogConfigured: true, options);

        Assert.StartsWith("Farm__Catalog__Cron: 'every night' is not a cron expression (e.g. 0 3 * * *)", problem, StringComparison.Ordinal);
        Assert.Empty(Recurring(storage));
    }

    [Fact]
    public void ScheduleCatalog_SetWithACatalog_RemovedWithout()
    {
        using var storage = new InMemoryStorage();
        var recurring = new RecurringJobManager(storage);
        var options = new FarmOptions { Catalog = new() { Repository = "https://github.com/org/catalog.git", Cron = "0 3 * * *" } };

        var set = FarmJobs.ScheduleCatalog(recurring, catalogConfigured: true, options);
        var scheduled = Recurring(storage);
        var removed = FarmJobs.ScheduleCatalog(recurring, catalogConfigured: false, options);

        Assert.Null(set);
        Assert.Null(removed);
        Assert.Equal([(CatalogRebuildJob.RecurringId, "0 3 * * *")], scheduled);
        Assert.Empty(Recurring(storage));
    }

    [Fact]
    public async Task Loops_Stop_CancelsEveryLoop_AndWaitsUntilEachHasEnded()
    {
        var ended = 0;
        var loops = new FarmLoops();
        for (var i = 0; i < 3; i++)
        {
            loops.Start(async ct =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    // Cleanup that takes a while: StopAsync must wait for it.
                    await Task.Delay(50, CancellationToken.None);
                    Interlocked.Increment(ref ended);
                }
            });
        }

        await loops.StopAsync().WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(3, Volatile.Read(ref ended));
        await loops.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => loops.Start(_ => Task.CompletedTask));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static FarmOptions Options(IConfiguration configuration) => configuration.GetSection("Farm").Get<FarmOptions>() ?? new FarmOptions();

    private static List<(string, string)> Recurring(JobStorage storage)
    {
        using var connection = storage.GetConnection();
        return [.. Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).Select(j => (j.Id, j.Cron))];
    }
}

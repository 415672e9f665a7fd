using Farm.State.Settings;
using Farm.Worker.Caching;
using Farm.Worker.Settings;

namespace Farm.Worker.Tests.Settings;

public sealed class WorkerSettingsTests
{
    private static WorkerSettings Load(params (string Name, string Value)[] variables) =>
        WorkerSettings.Load(SettingsReader.FromVariables(variables.Select(v => KeyValuePair.Create(v.Name, v.Value))));

    private static SettingsException Refused(params (string Name, string Value)[] variables) =>
        Assert.Throws<SettingsException>(() => Load(variables));

    [Fact]
    public void Load_NothingSet_EveryDefault()
    {
        var settings = Load();

        Assert.Equal(1, settings.Worker.Parallel);
        Assert.Empty(settings.Worker.Queues);
        Assert.Equal(SandboxMode.On, settings.Worker.Sandbox.Mode);
        Assert.Equal(4096, settings.Worker.Sandbox.MemoryMegabytes);
        Assert.Null(settings.Cache.Directory);
        Assert.Equal(Farm.Cache.CacheSettings.DefaultMaxSize, settings.Cache.MaxSizeBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(200), settings.Hangfire.PollInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Hangfire.InvisibilityTimeout);
        Assert.Equal(new Farm.Core.Oci.Distribution.RegistryClientOptions().MaxAttempts, settings.Registry.MaxAttempts);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, settings.LogLevel.Default);
    }

    [Fact]
    public void Load_WorkerVariables_AreBound()
    {
        var settings = Load(
            ("Farm__Worker__Name", "x86-1"),
            ("Farm__Worker__Parallel", "4"),
            ("Farm__Worker__Queues__0", "qemu-x86_64"),
            ("Farm__Worker__Queues__1", "linuxu-x86_64"),
            ("Farm__Worker__Sandbox", "OFF"),
            ("Farm__Worker__Sandbox__Processes", "64"),
            ("Farm__Hangfire__PollMilliseconds", "50"),
            ("Farm__Registry__Insecure", "1"),
            ("Farm__Logging__Json", "true"),
            ("Logging__LogLevel__Default", "warning"));

        Assert.Equal("x86-1", settings.Worker.ResolvedName);
        Assert.Equal(4, settings.Worker.Parallel);
        Assert.Equal(["qemu-x86_64", "linuxu-x86_64"], settings.Worker.Queues);
        Assert.Equal(SandboxMode.Off, settings.Worker.Sandbox.Mode);
        Assert.Equal(64, settings.Worker.Sandbox.Processes);
        Assert.Equal(50, settings.Hangfire.PollMilliseconds);
        Assert.True(settings.Registry.Insecure);
        Assert.True(settings.Logging.Json);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, settings.LogLevel.Default);
    }

    [Fact]
    public void Load_FarmCacheVariables_AreTheContractNames_AndFarmCacheOnesWin()
    {
        var contract = Load(
            ("FARM_CACHE_DIR", "/var/cache/objects"),
            ("FARM_CACHE_MAX_SIZE", "1048576"),
            ("FARM_CACHE_READONLY", "1"),
            ("FARM_CACHE_REGISTRY", "127.0.0.1:5000/farm-cache"),
            ("ConnectionStrings__Redis", "127.0.0.1:6379,password=secret"));
        var renamed = Load(("FARM_CACHE_DIR", "/old"), ("Farm__Cache__Directory", "/new"), ("FARM_CACHE_REDIS", "10.0.0.1:6379"), ("ConnectionStrings__Redis", "10.0.0.2:6379"));

        Assert.Equal("/var/cache/objects", contract.Cache.Directory);
        Assert.Equal(1048576, contract.Cache.MaxSizeBytes);
        Assert.True(contract.Cache.ReadOnly);
        Assert.Equal("127.0.0.1:5000/farm-cache", contract.Cache.Registry);
        Assert.Equal("127.0.0.1:6379,password=secret", contract.Cache.Redis);
        Assert.Equal("/new", renamed.Cache.Directory);
        Assert.Equal("10.0.0.1:6379", renamed.Cache.Redis);
    }

    [Fact]
    public void Load_NoSourceStore_UsesTheCacheRegistry_ThenTheUsersLayout()
    {
        var cache = Load(("FARM_CACHE_REGISTRY", "127.0.0.1:5000/farm-cache")).SourceStore;
        var store = Load(("Farm__Sources__Store", "127.0.0.1:5000/sources"), ("FARM_CACHE_REGISTRY", "127.0.0.1:5000/farm-cache")).SourceStore;

        Assert.Equal(("127.0.0.1:5000", "farm-cache"), (cache.Registry, cache.Repository));
        Assert.Equal(("127.0.0.1:5000", "sources"), (store.Registry, store.Repository));
        Assert.True(Load().SourceStore.IsLayout);
    }

    [Theory]
    [InlineData("Farm__Worker__Parallel", "-1", "'-1' is not between 1 and 256")]
    [InlineData("Farm__Worker__Parallel", "four", "'four' is not a whole number")]
    [InlineData("Farm__Worker__Sandbox", "maybe", "'maybe' is not one of on, off")]
    [InlineData("Farm__Worker__Sandbox", "1", "'1' is not one of on, off")]
    [InlineData("Farm__Worker__Sandbox__MemoryMegabytes", "0", "'0' is below 1")]
    [InlineData("Farm__Worker__MetricsUrl", "ftp://0.0.0.0:9464/metrics", "is not an http URL")]
    [InlineData("Farm__Worker__MetricsUrl", "http//nohost", "is not an http URL")]
    [InlineData("Farm__Worker__OriginsDirectory", "/nonexistent/origins", "is not a directory")]
    [InlineData("FARM_CACHE_MAX_SIZE", "-5", "'-5' is below 1")]
    [InlineData("Farm__Cache__MaxSizeBytes", "5GB", "'5GB' is not a whole number")]
    [InlineData("FARM_CACHE_READONLY", "yes please", "is not true or false")]
    [InlineData("FARM_CACHE_REGISTRY", "localhost:5000", "is not host:port/repo of a registry")]
    [InlineData("Farm__Cache__Registry", "http://127.0.0.1:5000/cache", "is not host:port/repo of a registry")]
    [InlineData("FARM_CACHE_REDIS", "127.0.0.1:6379,bogus=1", "is not a Redis endpoint")]
    [InlineData("FARM_CACHE_REDIS_TIMEOUT_MS", "-1", "'-1' is not between 1 and 600000")]
    [InlineData("FARM_CC", "/nonexistent/farm-cc", "'/nonexistent/farm-cc' is not a program")]
    [InlineData("FARM_CC", "no-such-program-anywhere farm-cc.dll", "is not a program")]
    [InlineData("Farm__Hangfire__PollMilliseconds", "10", "'10' is not between 50 and 60000")]
    [InlineData("Farm__Hangfire__InvisibilitySeconds", "1.5", "'1.5' is not a whole number")]
    [InlineData("Farm__Sources__Store", "Not A Store!", "is not host:port/repo or oci:/path")]
    [InlineData("Farm__Registry__MaxAttempts", "0", "'0' is not between 1 and 10")]
    [InlineData("Farm__Registry__Insecure", "maybe", "is not true or false")]
    [InlineData("Farm__Logging__Json", "yes", "is not true or false")]
    [InlineData("Logging__LogLevel__Default", "loud", "'loud' is not one of trace, debug, information, warning, error, critical, none")]
    public void Load_BadValue_OneProblemNamingTheVariable(string variable, string value, string problem)
    {
        var refused = Refused((variable, value));

        var line = Assert.Single(refused.Problems);
        Assert.StartsWith($"{variable}: ", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RedisProblem_DoesNotRepeatThePassword()
    {
        var line = Assert.Single(Refused(("ConnectionStrings__Redis", "127.0.0.1:6379,password=hunter2,bogus=1")).Problems);

        Assert.StartsWith("ConnectionStrings__Redis: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralBadValues_EveryOneReported()
    {
        var refused = Refused(("Farm__Worker__Parallel", "0"), ("Farm__Sources__Store", "::"), ("Farm__Hangfire__PollMilliseconds", "x"));

        Assert.Equal(3, refused.Problems.Count);
        Assert.Contains(refused.Problems, p => p.StartsWith("Farm__Worker__Parallel: ", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.StartsWith("Farm__Sources__Store: ", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.StartsWith("Farm__Hangfire__PollMilliseconds: ", StringComparison.Ordinal));
    }

    [Fact]
    public void ObjectCache_PassesItsSettingsToFarmCc_WithoutTouchingTheProcessEnvironment()
    {
        using var temp = new TempDirectory();
        var farmCc = temp.Combine("farm-cc");
        File.WriteAllText(farmCc, string.Empty);
        var before = Environment.GetEnvironmentVariable("FARM_CACHE_DIR");
        var settings = Load(("FARM_CC", farmCc), ("ConnectionStrings__Redis", "127.0.0.1:6379"), ("FARM_CACHE_MAX_SIZE", "2097152"));

        var cache = ObjectCache.From(settings.Cache, temp.Combine("objects"), _ => { });

        Assert.NotNull(cache);
        Assert.Equal(farmCc, cache.Launcher);
        var environment = cache.Environment(temp.Combine("events"));
        Assert.Equal(temp.Combine("objects"), environment["FARM_CACHE_DIR"]);
        Assert.Equal("127.0.0.1:6379", environment["FARM_CACHE_REDIS"]);
        Assert.Equal("2097152", environment["FARM_CACHE_MAX_SIZE"]);
        Assert.Equal(before, Environment.GetEnvironmentVariable("FARM_CACHE_DIR"));
    }
}

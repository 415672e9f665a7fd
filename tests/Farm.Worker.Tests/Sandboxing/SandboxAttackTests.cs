using System.Net;
using System.Net.Sockets;
using Farm.Worker.Sandboxing;

namespace Farm.Worker.Tests.Sandboxing;

/// <summary>
/// A pull request's build code against the worker: each test is one attack, run by make through the real pipeline in
/// the worker's sandbox, and fails if the attack works. Each script also prints what it met, so a test cannot pass
/// because the attack never ran.
/// </summary>
[Collection(SandboxAttacksRunAlone.Name)]
public sealed class SandboxAttackTests
{
    public SandboxAttackTests()
    {
        var problem = BuildSandbox.Check();
        Assert.SkipWhen(problem is not null, $"no build sandbox on this host: {problem}");
    }

    [Fact]
    public async Task Makefile_PrintsItsEnvironment_SeesNoSecretOfTheWorker()
    {
        using var temp = new TempDirectory();
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("ConnectionStrings__Farm", $"Host=127.0.0.1;Username=farm;Password={secret}");
        Environment.SetEnvironmentVariable("Farm__Api__Tokens__0", secret);
        try
        {
            var cacheDirectory = temp.Combine("trusted-cache");
            var cache = new Farm.Worker.Caching.ObjectCache(new Farm.Cache.CacheSettings(cacheDirectory, 1 << 30, null, null, Farm.Cache.Store.CacheScope.Parse("pr-1"), false, null), "/bin/true");
            var app = HostileApp.Create(temp, "env | sed 's/^/ENV=/'\n");

            var (_, log) = await HostileApp.BuildAsync(temp, app, cache);

            Assert.Contains("ENV=PATH=", log, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
            Assert.DoesNotContain("ConnectionStrings", log, StringComparison.Ordinal);
            Assert.DoesNotContain(cacheDirectory, log.Replace("FARM_CACHE_EVENTS", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConnectionStrings__Farm", null);
            Environment.SetEnvironmentVariable("Farm__Api__Tokens__0", null);
        }
    }

    [Fact]
    public async Task Makefile_WritesIntoTheTrustedCacheDirectory_CannotReachIt()
    {
        using var temp = new TempDirectory();
        var trusted = temp.Combine("cache", "v1", "ac", "trusted", "ab");
        Directory.CreateDirectory(trusted);
        var poison = Path.Combine(trusted, "ab" + new string('0', 62));
        var app = HostileApp.Create(temp, $"(echo poison > '{poison}') 2>/dev/null && echo ATTACK-WROTE || echo ATTACK-DENIED\n");

        var (_, log) = await HostileApp.BuildAsync(temp, app);

        Assert.Contains("ATTACK-DENIED", log, StringComparison.Ordinal);
        Assert.False(File.Exists(poison), "the sandboxed build wrote into the trusted cache directory");
    }

    [Fact]
    public async Task Makefile_ReadsEtcShadow_IsDenied()
    {
        using var temp = new TempDirectory();
        var app = HostileApp.Create(temp, "cat /etc/shadow >/dev/null 2>&1 && echo ATTACK-READ || echo ATTACK-DENIED\nls -a /root >/dev/null 2>&1 && echo HOME-LISTED || echo HOME-DENIED\n");

        var (_, log) = await HostileApp.BuildAsync(temp, app);

        Assert.Contains("ATTACK-DENIED", log, StringComparison.Ordinal);
        Assert.DoesNotContain("ATTACK-READ", log, StringComparison.Ordinal);
        Assert.Contains("HOME-DENIED", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Makefile_ConnectsToTheDatabasePortOnLoopback_HasNoNetwork()
    {
        using var temp = new TempDirectory();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var app = HostileApp.Create(temp, $"python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), timeout=3)' >/dev/null 2>&1 && echo ATTACK-CONNECTED || echo ATTACK-DENIED\n");

        var (_, log) = await HostileApp.BuildAsync(temp, app);

        Assert.Contains("ATTACK-DENIED", log, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the sandboxed build reached a port on the worker's loopback");
    }

    [Fact]
    public async Task Makefile_ForksWithoutEnd_IsStoppedWithTheProcessLimitAsReason()
    {
        using var temp = new TempDirectory();
        var app = HostileApp.Create(temp, "i=0\nwhile [ $i -lt 20000 ]; do sleep 60 & i=$((i+1)); done\necho ATTACK-FAILED forked $i\n");

        var (result, _) = await HostileApp.BuildAsync(temp, app);

        Assert.False(result.Succeeded);
        Assert.Contains("exceeded the sandbox's process limit", result.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Makefile_Allocates64Gigabytes_IsStoppedWithTheMemoryLimitAsReason()
    {
        using var temp = new TempDirectory();
        var app = HostileApp.Create(temp, "python3 -c 'b = bytearray(64 << 30); print(\"ATTACK-ALLOCATED\")' 2>&1 || echo ATTACK-FAILED\n");

        var (result, log) = await HostileApp.BuildAsync(temp, app);

        Assert.DoesNotContain("ATTACK-ALLOCATED", log, StringComparison.Ordinal);
        Assert.False(result.Succeeded);
        Assert.Contains("exceeded the sandbox's memory limit", result.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Makefile_WritesOutsideItsBuildDirectory_OnlyTheBuildDirectoryIsWritable()
    {
        using var temp = new TempDirectory();
        var outside = temp.Combine("outside.txt");
        File.WriteAllText(outside, "original\n");
        var app = HostileApp.Create(
            temp,
            $"grep -q original '{outside}' 2>/dev/null && echo OUTSIDE-SEEN || echo OUTSIDE-UNSEEN\n(echo changed > '{outside}') 2>/dev/null\n"
            + "(echo x > \"$(dirname \"$0\")/main.c\") 2>/dev/null && echo SOURCE-WROTE || echo SOURCE-DENIED\n");

        var (result, log) = await HostileApp.BuildAsync(temp, app);

        Assert.True(log.Contains("OUTSIDE-UNSEEN", StringComparison.Ordinal) && log.Contains("SOURCE-DENIED", StringComparison.Ordinal), log);
        Assert.Equal("original\n", File.ReadAllText(outside));
        Assert.True(result.Succeeded, result.FailureReason);
    }
}

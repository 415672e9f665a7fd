using System.Security.Cryptography;
using System.Text;
using Farm.Cache.Store;
using Farm.Cli;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Tests.Cli;

/// <summary>
/// <c>farm cache push</c> and <c>farm cache pull</c> against the real registry, run as a user runs them (a separate
/// process, configured by the <c>FARM_CACHE_*</c> variables): what one build stored arrives on an empty disk.
/// </summary>
public sealed class CacheBundleCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-cache-cli-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task PushThenPull_OnAnEmptyDisk_BringsTheEntriesTheBuildUsed()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var (used, usedObject) = Seed("first.o");
        var (unused, _) = Seed("not in this build's log");
        var events = Path.Combine(_work, "build.events");
        await File.WriteAllTextAsync(events, $"miss {used}\nstored trusted {used}\nuncacheable -E\n", Ct);
        var registryName = $"{registry.Host}/cache";

        var push = await RunAsync(["cache", "push", "musl"], ("FARM_CACHE_DIR", Path.Combine(_work, "a")), ("FARM_CACHE_REGISTRY", registryName), ("FARM_CACHE_EVENTS", events));
        var pull = await RunAsync(["cache", "pull", "musl"], ("FARM_CACHE_DIR", Path.Combine(_work, "b")), ("FARM_CACHE_REGISTRY", registryName));

        Assert.True(push.ExitCode == 0, push.Stderr);
        Assert.Contains("published 1 entries of musl (trusted)", push.Stdout, StringComparison.Ordinal);
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        Assert.Contains("prefetched 1 entries of musl (trusted)", pull.Stdout, StringComparison.Ordinal);
        var fresh = new LocalDiskTier(Path.Combine(_work, "b"), 1 << 30);
        var entry = ActionEntry.TryParse(fresh.GetAction("trusted", used));
        Assert.NotNull(entry);
        Assert.Equal(usedObject, fresh.GetObject(entry.ObjectDigest));
        Assert.Null(fresh.GetAction("trusted", unused));
    }

    [Fact]
    public async Task Push_RegistryDown_SaysWhichRegistryAndFailsWithoutAStackTrace()
    {
        var (key, _) = Seed("x.o");
        var events = Path.Combine(_work, "build.events");
        await File.WriteAllTextAsync(events, $"stored trusted {key}\n", Ct);

        var push = await RunAsync(["cache", "push", "app"], ("FARM_CACHE_DIR", Path.Combine(_work, "a")), ("FARM_CACHE_REGISTRY", $"127.0.0.1:{FreePort()}/cache"), ("FARM_CACHE_EVENTS", events));

        Assert.Equal(ExitCodes.InvalidInput, push.ExitCode);
        Assert.StartsWith("farm cache push: 127.0.0.1:", push.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", push.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAndPush_WithoutARegistry_SayWhichVariableIsMissing()
    {
        var pull = await RunAsync(["cache", "pull", "app"], ("FARM_CACHE_DIR", Path.Combine(_work, "a")));
        var push = await RunAsync(["cache", "push", "app"], ("FARM_CACHE_REGISTRY", "127.0.0.1:1/cache"));

        Assert.Equal(ExitCodes.InvalidInput, pull.ExitCode);
        Assert.Contains("FARM_CACHE_REGISTRY is not set", pull.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, push.ExitCode);
        Assert.Contains("FARM_CACHE_DIR is not set", push.Stderr, StringComparison.Ordinal);
    }

    private (string Key, byte[] Object) Seed(string content)
    {
        var local = new LocalDiskTier(Path.Combine(_work, "a"), 1 << 30);
        var bytes = Encoding.UTF8.GetBytes(content);
        var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("key of " + content)));
        local.PutObject(digest, bytes);
        local.PutAction("trusted", key, new ActionEntry(digest, bytes.Length, null, string.Empty).ToBytes());
        return (key, bytes);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<CliRun> RunAsync(string[] args, params (string Name, string Value)[] environment) => FarmProcess.RunAsync(args, environment, Ct);
}

using System.Security.Cryptography;
using System.Text;
using Farm.Cache;
using Farm.Cache.Store;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Worker.Caching;
using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Tests.Caching;

/// <summary>
/// A build's snapshot travels in its target's bundle through the real registry: another worker, with an empty disk and
/// other paths, restores that build's objects before make. What it carries stays in its scope, a bundle's snapshot is
/// taken only when it parses, and a build that compiled only what changed keeps the rest of the target in its bundle.
/// </summary>
public sealed class SharedSnapshotsTests : IDisposable
{
    private const string Target = "app/app_qemu-x86_64";
    private const string Key = "89abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567";
    private readonly TempDirectory _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task FreshWorker_RestoresTheBuildAnotherWorkerPublished_ForItsOwnPaths()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var first = KbuildTree.Create(_temp.Combine("worker-a/apps/1"));
        var firstCache = Cache("worker-a/cache", registry, CacheScope.TrustedScope);
        Snapshots("worker-a/cache", CacheScope.TrustedScope).Capture(Key, first.Roots, first.Build, "CONFIG_A=y\n", first.Core);
        var published = new List<string>();
        await firstCache.PublishAsync(Target, new PublishedBuild(first.Build, Events(first), [], Key), published.Add, Ct);

        var second = KbuildTree.Create(_temp.Combine("worker-b/work/apps/7"), built: false);
        File.AppendAllText(Path.Combine(second.App, "other.c"), "int changed;\n");
        var prefetched = new List<string>();
        await Cache("worker-b/cache", registry, CacheScope.TrustedScope).PrefetchAsync(Target, prefetched.Add, Ct);
        var snapshots = Snapshots("worker-b/cache", CacheScope.TrustedScope);
        var snapshot = snapshots.Find(Key);
        Assert.NotNull(snapshot);
        var restore = snapshots.Restore(snapshot, second.Roots, second.Build);

        Assert.Contains(published, line => line.Contains("and the build's snapshot (4 files)", StringComparison.Ordinal));
        Assert.Contains(prefetched, line => line.Contains("and the snapshot of the build that published them", StringComparison.Ordinal));
        Assert.Equal((1, 2), (restore.Restored, restore.Total));
        Assert.Equal(["app/other.o"], restore.Changed);
        Assert.Equal("object of main.c", File.ReadAllText(Path.Combine(second.Build, "app", "main.o")));
        var dependencies = File.ReadAllText(Path.Combine(second.Build, "app", "main.d"));
        Assert.Contains($"source_{second.Build}/app/main.o := {second.App}/main.c", dependencies, StringComparison.Ordinal);
        Assert.DoesNotContain(first.Root, dependencies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntrustedBuildsSnapshot_NeverReachesATrustedWorker()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var first = KbuildTree.Create(_temp.Combine("a"));
        var untrusted = CacheScope.Parse("pr-42");
        Snapshots("a-cache", untrusted).Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        await Cache("a-cache", registry, untrusted).PublishAsync(Target, new PublishedBuild(first.Build, Events(first), [], Key), _ => { }, Ct);

        await Cache("trusted-cache", registry, CacheScope.TrustedScope).PrefetchAsync(Target, _ => { }, Ct);
        await Cache("same-pr-cache", registry, untrusted).PrefetchAsync(Target, _ => { }, Ct);

        Assert.Null(Snapshots("trusted-cache", CacheScope.TrustedScope).Find(Key));
        Assert.Null(Snapshots("trusted-cache", untrusted).Find(Key));
        Assert.NotNull(Snapshots("same-pr-cache", untrusted).Find(Key));
    }

    [Fact]
    public async Task BundleWhoseSnapshotIsNotOne_IsNotTakenAsOne()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var local = new LocalDiskTier(_temp.Combine("forged"), long.MaxValue);
        var bytes = Encoding.UTF8.GetBytes("{\"config\":\"CONFIG_X=y\"}");
        local.PutAction(CacheScope.Shared, Key, bytes);
        var repository = Farm.Cache.Store.CacheRegistry.Open($"{registry.Host}/farm-cache")!;
        await CacheBundles.PublishAsync(repository, CacheScope.Shared, Target, [], new BundledSnapshot(Key, []), local, Ct);

        await Cache("fresh", registry, CacheScope.TrustedScope).PrefetchAsync(Target, _ => { }, Ct);

        Assert.Null(new LocalDiskTier(_temp.Combine("fresh"), long.MaxValue).GetAction(CacheScope.Shared, Key));
    }

    [Fact]
    public async Task BuildThatCompiledOnlyWhatChanged_KeepsTheEntriesAndManifestsOfTheObjectsItStillHoldsInItsBundle()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var build = Directory.CreateDirectory(_temp.Combine("build")).FullName;
        var cache = Cache("cache", registry, CacheScope.TrustedScope);
        var local = new LocalDiskTier(_temp.Combine("cache"), long.MaxValue);
        var kept = Entry(local, "kept.o", Path.Combine(build, "kept.o"));
        var replaced = Entry(local, "old changed.o", null);
        var compiled = Entry(local, "new changed.o", Path.Combine(build, "changed.o"));
        var header = new string('a', 64);
        var keptManifest = Entry(local, $"{kept}\n{header}\tinclude/h.h\n", null);
        var replacedManifest = Entry(local, $"{replaced}\n{header}\tinclude/h.h\n", null);
        var events = Path.Combine(build, "farm-cc.events");
        File.WriteAllText(events, $"miss {compiled}\nstored {CacheScope.Shared} {compiled}\n");

        await cache.PublishAsync(Target, new PublishedBuild(build, events, [kept, replaced, keptManifest, replacedManifest], null), _ => { }, Ct);
        var prefetched = new List<string>();
        await Cache("fresh", registry, CacheScope.TrustedScope).PrefetchAsync(Target, prefetched.Add, Ct);

        var fresh = new LocalDiskTier(_temp.Combine("fresh"), long.MaxValue);
        Assert.NotNull(fresh.GetAction(CacheScope.Shared, compiled));
        Assert.NotNull(fresh.GetAction(CacheScope.Shared, kept));
        Assert.NotNull(fresh.GetAction(CacheScope.Shared, keptManifest));
        Assert.Null(fresh.GetAction(CacheScope.Shared, replaced));
        Assert.Null(fresh.GetAction(CacheScope.Shared, replacedManifest));
        Assert.Contains(prefetched, line => line.Contains("prefetched 3 entries", StringComparison.Ordinal));
    }

    /// <summary>A compile entry on local disk for an object of this content, the object left at <paramref name="builtAt"/> when given; returns its key.</summary>
    private static string Entry(LocalDiskTier local, string content, string? builtAt)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("key of " + content)));
        local.PutObject(digest, bytes);
        local.PutAction(CacheScope.Shared, key, new ActionEntry(digest, bytes.Length, null, string.Empty).ToBytes());
        if (builtAt is not null)
        {
            File.WriteAllBytes(builtAt, bytes);
        }

        return key;
    }

    private static string Events(KbuildTree tree) => Path.Combine(tree.Build, "farm-cc.events");

    private ObjectCache Cache(string directory, RegistryServer registry, CacheScope scope) =>
        new(new CacheSettings(_temp.Combine(directory), CacheSettings.DefaultMaxSize, null, $"{registry.Host}/farm-cache", scope, ReadOnly: false, PrefixMap: null), "farm-cc");

    private BuildSnapshots Snapshots(string directory, CacheScope scope) => new(new LocalDiskTier(_temp.Combine(directory), long.MaxValue), scope);
}

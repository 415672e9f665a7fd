using System.Buffers.Binary;
using System.Net.Sockets;
using Farm.Cache;
using Farm.Cache.Broker;
using Farm.Cache.Keys;
using Farm.Cache.Store;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.Worker.Sandboxing;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Sandboxing;

/// <summary>
/// The cache broker holds the scope: whatever a sandboxed compile asks, an untrusted build reads the shared scope and
/// its own, writes only its own, and cannot store an object under another's digest or delete what is not corrupt.
/// </summary>
public sealed class CacheBrokerTests
{
    private static readonly string Key = new('a', 64);

    private static byte[] Entry(byte[] content) => new ActionEntry(Sha256.Hex(content), content.LongLength, null, string.Empty).ToBytes();

    [Fact]
    public async Task UntrustedBuild_WritesTheSharedScope_IsRefusedAndNothingIsWritten()
    {
        using var temp = new TempDirectory();
        await using var broker = CacheBroker.Start(temp.Combine("broker"), CacheScope.Parse("pr-1"), readOnly: false, temp.Combine("cache"), 1 << 30, []);
        using var client = new BrokerTier(broker.SocketPath);

        var refused = Assert.Throws<UnauthorizedAccessException>(() => client.PutAction(CacheScope.Shared, Key, Entry([1, 2, 3])));

        Assert.Contains("not allowed", refused.Message, StringComparison.Ordinal);
        Assert.Null(new LocalDiskTier(temp.Combine("cache"), 1 << 30).GetAction(CacheScope.Shared, Key));
        Assert.Equal(1, broker.Refusals);
    }

    [Fact]
    public async Task UntrustedBuild_ReadsTheSharedScopeAndWritesItsOwn()
    {
        using var temp = new TempDirectory();
        var disk = new LocalDiskTier(temp.Combine("cache"), 1 << 30);
        byte[] content = [4, 5, 6];
        disk.PutAction(CacheScope.Shared, Key, Entry(content));
        var scope = CacheScope.Parse("pr-1");
        await using var broker = CacheBroker.Start(temp.Combine("broker"), scope, readOnly: false, temp.Combine("cache"), 1 << 30, []);
        using var client = new BrokerTier(broker.SocketPath);

        var shared = client.GetAction(CacheScope.Shared, Key);
        client.PutAction(scope.WriteScope, new string('b', 64), Entry(content));

        Assert.Equal(Entry(content), shared);
        Assert.NotNull(disk.GetAction(scope.WriteScope, new string('b', 64)));
        Assert.Throws<UnauthorizedAccessException>(() => client.GetAction("untrusted-pr-2", Key));
    }

    [Fact]
    public async Task PutObject_ContentNotMatchingItsDigest_IsRefused()
    {
        using var temp = new TempDirectory();
        await using var broker = CacheBroker.Start(temp.Combine("broker"), CacheScope.TrustedScope, readOnly: false, temp.Combine("cache"), 1 << 30, []);
        using var client = new BrokerTier(broker.SocketPath);
        var honest = Sha256.Hex([1, 2, 3]);

        Assert.Throws<UnauthorizedAccessException>(() => client.PutObject(honest, [6, 6, 6]));

        Assert.Null(client.GetObject(honest));
    }

    [Fact]
    public async Task DeleteObject_OfAnIntactObject_KeepsIt()
    {
        using var temp = new TempDirectory();
        var disk = new LocalDiskTier(temp.Combine("cache"), 1 << 30);
        byte[] content = [7, 8, 9];
        disk.PutObject(Sha256.Hex(content), content);
        await using var broker = CacheBroker.Start(temp.Combine("broker"), CacheScope.Parse("pr-1"), readOnly: false, temp.Combine("cache"), 1 << 30, []);
        using var client = new BrokerTier(broker.SocketPath);

        client.DeleteObject(Sha256.Hex(content));

        Assert.Equal(content, disk.GetObject(Sha256.Hex(content)));
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("ab/../../cd")]
    [InlineData("")]
    public async Task Request_KeyThatIsNotADigest_IsRefused(string key)
    {
        using var temp = new TempDirectory();
        await using var broker = CacheBroker.Start(temp.Combine("broker"), CacheScope.TrustedScope, readOnly: false, temp.Combine("cache"), 1 << 30, []);
        using var client = new BrokerTier(broker.SocketPath);

        Assert.Throws<UnauthorizedAccessException>(() => client.PutAction(CacheScope.Shared, key, Entry([1])));
        Assert.Throws<UnauthorizedAccessException>(() => client.GetObject(key));
    }

    [Fact]
    public async Task HostilePeer_HugeFrame_OnlyItsConnectionEnds()
    {
        using var temp = new TempDirectory();
        await using var broker = CacheBroker.Start(temp.Combine("broker"), CacheScope.TrustedScope, readOnly: false, temp.Combine("cache"), 1 << 30, []);
        using (var hostile = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            hostile.Connect(new UnixDomainSocketEndPoint(broker.SocketPath));
            var frame = new byte[5];
            frame[0] = (byte)BrokerOperation.GetObject;
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(1), int.MaxValue);
            hostile.Send(frame);
            Assert.Equal(0, hostile.Receive(new byte[16]));
        }

        using var client = new BrokerTier(broker.SocketPath);
        Assert.Null(client.GetObject(Key));
    }

    [Fact]
    public async Task UntrustedSandboxedBuild_ThroughFarmCc_StoresOnlyInItsOwnScope()
    {
        Assert.SkipWhen(BuildSandbox.Check() is not null, $"no build sandbox on this host: {BuildSandbox.Check()}");
        using var temp = new TempDirectory();
        var farmCc = Path.Combine(TestPaths.RepositoryRoot, "cache", "Farm.Cache.Cc", "bin", "Release", "net10.0", "farm-cc.dll");
        Assert.True(File.Exists(farmCc), $"{farmCc} is missing: build the solution in Release first (./test.sh does)");
        var scope = CacheScope.Parse("pr-7");
        var settings = new CacheSettings(temp.Combine("cache"), CacheSettings.DefaultMaxSize, null, null, scope, ReadOnly: false, PrefixMap: null);
        var kraftfile = new KraftfileParser().Load(Path.Combine(TestPaths.Examples, "helloworld")).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.Single(j => j.Platform == "qemu" && j.Architecture == "x86_64");
        var capabilities = new HostCapabilities("x86_64", new Dictionary<string, Toolchain> { ["x86_64"] = new("x86_64", string.Empty, "/usr/bin/gcc") }, new Dictionary<string, string>(), new HypervisorProbe("kvm", "/dev/kvm", "not used"), [], [], []);
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(temp.Combine("git"))), new UnikraftMakeBuilder(), capabilities, []);
        var options = new TargetPipelineOptions(temp.Combine("out")) { BuildDirectory = temp.Combine("build"), Smoke = false, Cache = new Farm.Worker.Caching.ObjectCache(settings, $"dotnet {farmCc}") };

        var result = await pipeline.RunAsync(kraftfile, job, options, _ => { }, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.True(result.Cache!.Misses > 0, "nothing was compiled through the broker");
        var actions = temp.Combine("cache", "v1", "ac");
        Assert.Equal([scope.WriteScope], Directory.GetDirectories(actions).Select(Path.GetFileName));
    }

    [Fact]
    public async Task SharedTierFailing_IsLoggedOnceAndLeftAlone_EveryRequestAMiss()
    {
        using var temp = new TempDirectory();
        var failing = new FailingTier();
        var log = new List<string>();
        await using (var broker = CacheBroker.Start(temp.Combine("broker"), CacheScope.TrustedScope, readOnly: false, temp.Combine("cache"), 1 << 30, [failing], line => { lock (log) { log.Add(line); } }))
        {
            using var client = new BrokerTier(broker.SocketPath);
            for (var i = 0; i < 20; i++)
            {
                Assert.Null(client.GetObject(Key));
            }

            Assert.Equal(1, failing.Calls);
            Assert.Equal(["error frozen TimeoutException"], broker.ErrorEvents);
        }

        Assert.Single(log, l => l.Contains("warning: frozen: TimeoutException", StringComparison.Ordinal) && l.Contains("left alone for 30 s", StringComparison.Ordinal));
    }

    /// <summary>A shared tier that times out, as a Redis stopped with SIGSTOP does.</summary>
    private sealed class FailingTier : ICacheTier
    {
        public int Calls { get; private set; }

        public string Name => "frozen";

        public byte[]? GetAction(string scope, string key) => Fail();

        public void PutAction(string scope, string key, byte[] entry) => Fail();

        public byte[]? GetObject(string digest) => Fail();

        public void PutObject(string digest, byte[] content) => Fail();

        public void DeleteAction(string scope, string key) => Fail();

        public void DeleteObject(string digest) => Fail();

        private byte[]? Fail()
        {
            Calls++;
            throw new TimeoutException("no answer within 1000 ms");
        }
    }
}

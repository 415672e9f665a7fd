using System.Formats.Tar;
using System.Text;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Core.Oci.Layout;
using Farm.Core.Rootfs;
using Farm.Worker.Rootfs;

namespace Farm.Worker.Tests.Rootfs;

/// <summary>
/// Every kind of rootfs a Kraftfile names becomes the same kind of initrd: a cpio as is, a directory, a tarball, a
/// Dockerfile built by real buildah, an OCI image with whiteouts; the same inputs give the same bytes.
/// </summary>
public sealed class InitrdBuilderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    private InitrdBuilder Builder() => new(_temp.Combine("work"));

    private string App()
    {
        var app = _temp.Combine("app");
        Directory.CreateDirectory(Path.Combine(app, "rootfs", "etc"));
        File.WriteAllText(Path.Combine(app, "rootfs", "etc", "message.txt"), "Hello from the rootfs\n");
        return app;
    }

    [Fact]
    public async Task Directory_AndTheSameTreeAsATarball_GiveTheSameInitrd()
    {
        var app = App();
        TarFile.CreateFromDirectory(Path.Combine(app, "rootfs"), Path.Combine(app, "rootfs.tar"), includeBaseDirectory: false);

        var fromDirectory = await Builder().BuildAsync(app, "./rootfs", _ => { }, Ct);
        var again = await Builder().BuildAsync(app, "./rootfs", _ => { }, Ct);
        var fromTarball = await Builder().BuildAsync(app, "rootfs.tar", _ => { }, Ct);

        Assert.Equal(fromDirectory, again);
        Assert.Equal(fromDirectory, fromTarball);
        Assert.Equal("Hello from the rootfs\n", Read(fromDirectory)["etc/message.txt"]);
    }

    [Fact]
    public async Task Cpio_IsUsedAsIs()
    {
        var app = App();
        var cpio = CpioWriter.Write([new CpioEntry("hello", CpioEntryKind.File, (UnixFileMode)0x1A4) { Content = "hi"u8.ToArray() }]);
        await File.WriteAllBytesAsync(Path.Combine(app, "initrd.cpio"), cpio, Ct);

        Assert.Equal(cpio, await Builder().BuildAsync(app, "initrd.cpio", _ => { }, Ct));
    }

    [Fact]
    public async Task Dockerfile_IsBuiltByBuildah_WithItsDirectoryAsTheContext()
    {
        Assert.True(Farm.Core.Processes.ExecutableLocator.Find("buildah") is not null, "buildah is missing: tests/install-packages.sh installs it");
        var app = App();
        File.WriteAllText(Path.Combine(app, "Dockerfile"), "FROM scratch\nCOPY rootfs/etc/message.txt /etc/message.txt\nCOPY rootfs/etc/message.txt /srv/copy.txt\n");
        var log = new List<string>();

        var first = await Builder().BuildAsync(app, "./Dockerfile", log.Add, Ct);
        var second = await Builder().BuildAsync(app, "./Dockerfile", _ => { }, Ct);

        var files = Read(first);
        Assert.Equal("Hello from the rootfs\n", files["etc/message.txt"]);
        Assert.Equal("Hello from the rootfs\n", files["srv/copy.txt"]);
        Assert.Equal(first, second);
        Assert.Contains(log, l => l.Contains("is a dockerfile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OciImage_LayersAreFlattenedWithTheirWhiteouts()
    {
        var app = App();
        var layout = _temp.Combine("image");
        var repository = new OciLayoutRepository(layout);
        var lower = Layer(("etc/message.txt", "lower"), ("etc/old.txt", "old"));
        var upper = Layer(("etc/.wh.old.txt", string.Empty), ("etc/message.txt", "upper"));
        foreach (var blob in new[] { lower, upper })
        {
            await repository.PushBlobAsync(blob, Ct);
        }

        var config = BlobSource.FromBytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}"u8.ToArray());
        await repository.PushBlobAsync(config, Ct);
        var manifest = new ImageManifest(new Descriptor(MediaTypes.ImageConfig, config.Digest, config.Size), [new Descriptor(MediaTypes.Layer, lower.Digest, lower.Size), new Descriptor(MediaTypes.Layer, upper.Digest, upper.Size)]);
        await repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, "v1", Ct);

        var files = Read(await Builder().BuildAsync(app, $"oci:{layout}:v1", _ => { }, Ct));

        Assert.Equal(["etc/message.txt"], files.Keys);
        Assert.Equal("upper", files["etc/message.txt"]);
    }

    [Fact]
    public async Task Dockerfile_Unchanged_IsPulledFromTheRegistryLayerCache_AChangedContextIsRebuilt()
    {
        Assert.True(Farm.Core.Processes.ExecutableLocator.Find("buildah") is not null, "buildah is missing: tests/install-packages.sh installs it");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var cache = new RootfsLayerCache(OciRepositories.Open(OciReference.Parse($"{registry.Host}/farm-cache"), new() { Insecure = true }));
        var app = App();
        File.WriteAllText(Path.Combine(app, "Dockerfile"), "FROM scratch\nCOPY rootfs/etc/message.txt /etc/message.txt\n");
        async Task<(byte[] Initrd, List<string> Log)> BuildAsync(RootfsLayerCache layers)
        {
            var log = new List<string>();
            // A fresh work directory each time: nothing of buildah's storage is left to help.
            var initrd = await new InitrdBuilder(_temp.Combine($"work-{Guid.NewGuid():N}"), layers: layers).BuildAsync(app, "./Dockerfile", log.Add, Ct);
            return (initrd, log);
        }

        var cold = await BuildAsync(cache);
        var warm = await BuildAsync(cache);
        File.WriteAllText(Path.Combine(app, "rootfs", "etc", "message.txt"), "Changed\n");
        var changed = await BuildAsync(cache.ReadOnly());
        var changedAgain = await BuildAsync(cache);

        Assert.Contains(cold.Log, l => l.Contains("buildah|", StringComparison.Ordinal));
        Assert.Contains(cold.Log, l => l.Contains("built by buildah for linux/", StringComparison.Ordinal));
        Assert.Equal(cold.Initrd, warm.Initrd);
        Assert.Contains(warm.Log, l => l.Contains("layer cache hit", StringComparison.Ordinal));
        Assert.DoesNotContain(warm.Log, l => l.Contains("buildah|", StringComparison.Ordinal));

        Assert.Equal("Changed\n", Read(changed.Initrd)["etc/message.txt"]);
        Assert.Contains(changed.Log, l => l.Contains("buildah|", StringComparison.Ordinal));
        // The read-only (untrusted) build stored nothing, so the next trusted one builds too.
        Assert.Contains(changedAgain.Log, l => l.Contains("buildah|", StringComparison.Ordinal));
        Assert.Equal(changed.Initrd, changedAgain.Initrd);
    }

    [Fact]
    public async Task Dockerfile_OnABaseImageInTheRegistry_IsRebuiltWhenTheBaseTagMoves_AndTheImageItselfIsARootfs()
    {
        Assert.True(Farm.Core.Processes.ExecutableLocator.Find("buildah") is not null, "buildah is missing: tests/install-packages.sh installs it");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var cache = new RootfsLayerCache(new OciLayoutRepository(_temp.Combine("layer-cache")));
        var baseImage = OciRepositories.Open(OciReference.Parse($"{registry.Host}/base"), new() { Insecure = true });
        var app = App();
        File.WriteAllText(Path.Combine(app, "Dockerfile"), $"FROM {registry.Host}/base:1 AS base\nFROM base\nCOPY rootfs/etc/message.txt /etc/message.txt\n");
        async Task<(byte[] Initrd, List<string> Log)> BuildAsync()
        {
            var log = new List<string>();
            var initrd = await new InitrdBuilder(_temp.Combine($"work-{Guid.NewGuid():N}"), layers: cache).BuildAsync(app, "./Dockerfile", log.Add, Ct);
            return (initrd, log);
        }

        await PushImageAsync(baseImage, "1", Layer(("etc/base.txt", "one")));
        var first = await BuildAsync();
        var same = await BuildAsync();
        await PushImageAsync(baseImage, "1", Layer(("etc/base.txt", "two")));
        var moved = await BuildAsync();

        Assert.Equal("one", Read(first.Initrd)["etc/base.txt"]);
        Assert.Equal("Hello from the rootfs\n", Read(first.Initrd)["etc/message.txt"]);
        Assert.Contains(same.Log, l => l.Contains("layer cache hit", StringComparison.Ordinal));
        Assert.Equal("two", Read(moved.Initrd)["etc/base.txt"]);
        Assert.DoesNotContain(moved.Log, l => l.Contains("layer cache hit", StringComparison.Ordinal));

        // The same image named directly as the rootfs: pulled from the registry and flattened.
        var direct = await new InitrdBuilder(_temp.Combine("direct")).BuildAsync(app, $"{registry.Host}/base:1", _ => { }, Ct);
        Assert.Equal(["etc/base.txt"], Read(direct).Keys);
        Assert.Equal("two", Read(direct)["etc/base.txt"]);
    }

    [Fact]
    public async Task Dockerfile_WithAnArgumentInFrom_IsBuiltEveryTime_AndSaysWhy()
    {
        var app = App();
        var dockerfile = Path.Combine(app, "Dockerfile");
        File.WriteAllText(dockerfile, "ARG BASE=scratch\nFROM ${BASE}\nCOPY rootfs/etc/message.txt /etc/message.txt\n");

        var (key, whyNot) = await DockerfileKey.ComputeAsync(dockerfile, "linux/amd64", new(), Ct);
        var (scratchKey, _) = await DockerfileKey.ComputeAsync(WriteScratch(app), "linux/amd64", new(), Ct);
        var (armKey, _) = await DockerfileKey.ComputeAsync(Path.Combine(app, "Scratch.dockerfile"), "linux/arm64", new(), Ct);

        Assert.Null(key);
        Assert.Equal("FROM ${BASE} depends on a build argument", whyNot);
        Assert.NotNull(scratchKey);
        Assert.NotEqual(scratchKey, armKey);
        Assert.Equal([("scratch", (string?)null), ("b", "x")], DockerfileKey.BaseImages("FROM scratch\n# FROM nothing\nfrom --platform=linux/amd64 \\\n  b AS x\n"));
    }

    private static string WriteScratch(string app)
    {
        var path = Path.Combine(app, "Scratch.dockerfile");
        File.WriteAllText(path, "FROM scratch\nCOPY rootfs/etc/message.txt /etc/message.txt\n");
        return path;
    }

    /// <summary>Pushes a one-layer linux image, as buildah pulls it: a config whose diff_ids name the layer.</summary>
    private static async Task PushImageAsync(IOciRepository repository, string tag, BlobSource layer)
    {
        var architecture = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64";
        var config = BlobSource.FromBytes(Encoding.UTF8.GetBytes($"{{\"architecture\":\"{architecture}\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{layer.Digest}\"]}}}}"));
        await repository.PushBlobAsync(layer, Ct);
        await repository.PushBlobAsync(config, Ct);
        var manifest = new ImageManifest(new Descriptor(MediaTypes.ImageConfig, config.Digest, config.Size), [new Descriptor(MediaTypes.Layer, layer.Digest, layer.Size)]);
        await repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, tag, Ct);
    }

    [Fact]
    public void BuildKit_RunsTheDockerfileFrontendWithTheDockerfilesDirectoryAsContext_IntoAnOciTarball()
    {
        var builder = new BuildKitDockerfileBuilder("tcp://127.0.0.1:1234");

        var arguments = builder.Arguments("/apps/web/Containerfile", "linux/arm64", "/tmp/out.tar");

        Assert.Equal(
            ["--addr", "tcp://127.0.0.1:1234", "build", "--frontend", "dockerfile.v0", "--local", "context=/apps/web", "--local", "dockerfile=/apps/web",
             "--opt", "filename=Containerfile", "--opt", "platform=linux/arm64", "--output", "type=oci,dest=/tmp/out.tar"],
            arguments);
    }

    [Fact]
    public async Task BuildKit_ConfiguredButUnreachable_IsARootfsErrorNamingTheDaemon()
    {
        var app = App();
        File.WriteAllText(Path.Combine(app, "Dockerfile"), "FROM scratch\nCOPY rootfs/etc/message.txt /etc/message.txt\n");
        var builder = new InitrdBuilder(_temp.Combine("work"), dockerfiles: new BuildKitDockerfileBuilder($"tcp://127.0.0.1:{Loopback.PickFreePort()}"));

        var error = await Assert.ThrowsAsync<RootfsException>(() => builder.BuildAsync(app, "./Dockerfile", _ => { }, Ct));

        Assert.Contains("127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains("buildctl, which is not installed", StringComparison.Ordinal) || error.Message.Contains("with BuildKit at", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task BuildKit_WhenADaemonIsConfigured_GivesTheSameInitrdAsBuildah()
    {
        Assert.SkipWhen(Environment.GetEnvironmentVariable("BUILDKIT_HOST") is not { Length: > 0 } || Farm.Core.Processes.ExecutableLocator.Find("buildctl") is null,
            "no BuildKit daemon on this host: BuildKit is not packaged in Debian; set BUILDKIT_HOST and put buildctl on PATH to run this");
        var app = App();
        File.WriteAllText(Path.Combine(app, "Dockerfile"), "FROM scratch\nCOPY rootfs/etc/message.txt /etc/message.txt\n");

        var buildKit = await new InitrdBuilder(_temp.Combine("bk"), dockerfiles: BuildKitDockerfileBuilder.FromEnvironment()).BuildAsync(app, "./Dockerfile", _ => { }, Ct);
        var buildah = await new InitrdBuilder(_temp.Combine("bh"), dockerfiles: new BuildahDockerfileBuilder()).BuildAsync(app, "./Dockerfile", _ => { }, Ct);

        Assert.Equal(buildah, buildKit);
    }

    [Fact]
    public async Task SomethingElse_IsAnErrorNamingTheField()
    {
        var app = App();
        File.WriteAllText(Path.Combine(app, "notes.txt"), "not a rootfs");

        var error = await Assert.ThrowsAsync<RootfsException>(() => Builder().BuildAsync(app, "notes.txt", _ => { }, Ct));

        Assert.StartsWith("rootfs: notes.txt is neither", error.Message, StringComparison.Ordinal);
    }

    private static BlobSource Layer(params (string Name, string Text)[] files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), Mode = (UnixFileMode)0x1A4 });
            }
        }

        return BlobSource.FromBytes(buffer.ToArray());
    }

    /// <summary>The regular files of a newc archive, by path.</summary>
    private static Dictionary<string, string> Read(byte[] cpio)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var offset = 0;
        while (true)
        {
            var header = Encoding.ASCII.GetString(cpio, offset, 110);
            Assert.StartsWith("070701", header, StringComparison.Ordinal);
            uint Field(int index) => Convert.ToUInt32(header.Substring(6 + (index * 8), 8), 16);
            var mode = Field(1);
            var size = (int)Field(6);
            var nameSize = (int)Field(11);
            var name = Encoding.UTF8.GetString(cpio, offset + 110, nameSize - 1);
            var data = (offset + 110 + nameSize + 3) & ~3;
            if (name == "TRAILER!!!")
            {
                return files;
            }

            if ((mode & 0xF000) == 0x8000)
            {
                files[name] = Encoding.UTF8.GetString(cpio, data, size);
            }

            offset = (data + size + 3) & ~3;
        }
    }
}

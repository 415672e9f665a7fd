using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Shared;

namespace Farm.Tests.Cli;

/// <summary>
/// <c>farm build</c>, the embedded farm, end to end as a user runs it: real builds of the fixture core, real boots
/// (QEMU, linuxu), an OCI layout as output, and the target cache on a second run.
/// </summary>
public sealed class BuildCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-build-cli-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Build_Example_PublishesOneSignedIndexOfThePassedTargets_ThenTheTargetCacheServesTheRebuild()
    {
        var app = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");
        var layout = Path.Combine(_work, "oci");
        var key = Path.Combine(_work, "key");
        Assert.Equal(0, CliRun.Of("keygen", "--out", key).ExitCode);
        string[] args = ["build", app, "--targets", "qemu/x86_64,linuxu/x86_64,xen/x86_64", "--output", $"oci:{layout}", "--sign-key", key + ".pem", "--json"];

        var first = await RunAsync(args);
        var second = await RunAsync(args);

        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var build = Build(first);
        Assert.Equal("succeeded", build.GetProperty("state").GetString());
        var targets = build.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["qemu/x86_64", "linuxu/x86_64", "xen/x86_64"], targets.Select(Platform));
        Assert.All(targets, t => Assert.True(
            t.GetProperty("state").GetString() == "succeeded" || (t.GetProperty("state").GetString() == "skipped" && t.GetProperty("reason").GetString()!.Length > 10),
            t.ToString()));
        var passed = targets.Where(t => t.GetProperty("state").GetString() == "succeeded").ToList();
        Assert.Contains(passed, t => Platform(t) == "qemu/x86_64");

        // The layout holds one index under the app's name, listing exactly the passed targets' manifests.
        var repository = new OciLayoutRepository(layout);
        var index = ImageIndex.Parse((await repository.TryGetManifestAsync("helloworld", Ct))!.Bytes);
        Assert.Equal(build.GetProperty("indexDigest").GetString(), Digest.Of((await repository.TryGetManifestAsync("helloworld", Ct))!.Bytes).Value);
        Assert.Equal(passed.Select(t => t.GetProperty("manifestDigest").GetString()).Order(), index.Manifests.Select(m => m.Digest.Value).Order());
        var verify = CliRun.Of("verify", $"oci:{layout}:helloworld", "--key", key + ".pub");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        var rebuilt = Build(second);
        Assert.Equal(build.GetProperty("indexDigest").GetString(), rebuilt.GetProperty("indexDigest").GetString());
        Assert.All(rebuilt.GetProperty("targets").EnumerateArray().Where(t => t.GetProperty("state").GetString() == "succeeded"), t => Assert.True(t.GetProperty("cached").GetBoolean()));
    }

    [Fact]
    public async Task Build_OneTargetFails_PublishesNothing_UnlessTheKraftfileOptsIntoPartial()
    {
        var all = App("arm-crash", publish: null);
        var partial = App("arm-crash-partial", publish: "partial");
        var layout = Path.Combine(_work, "oci");

        var strict = await RunAsync(["build", all, "--output", $"oci:{layout}"]);
        var lenient = await RunAsync(["build", partial, "--output", $"oci:{layout}", "--json"]);

        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("arm-crash: failed", strict.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 of 2 target(s) failed: qemu/arm64; nothing published", strict.Stdout, StringComparison.Ordinal);
        Assert.Contains("| ", strict.Stdout, StringComparison.Ordinal); // the failed target's log
        var repository = new OciLayoutRepository(layout);
        Assert.Null(await repository.TryGetManifestAsync("arm-crash", Ct));

        Assert.Equal(1, lenient.ExitCode);
        var build = Build(lenient);
        Assert.Equal("failed", build.GetProperty("state").GetString());
        var index = ImageIndex.Parse((await repository.TryGetManifestAsync("arm-crash-partial", Ct))!.Bytes);
        Assert.Equal(["x86_64"], index.Manifests.Select(m => m.Platform!.Architecture));
    }

    [Fact]
    public async Task Build_AppWithADirectoryRootfs_BootsWithTheInitrd_OrEmbedsItWhenTheKConfigSaysSo()
    {
        // examples/base prints the initrd's files its command line names: the smoke test expects the file's text.
        var dir = Path.Combine(_work, "with-rootfs");
        var examples = Path.Combine(ProjectReferences.RepositoryRoot(), "examples");
        Directory.CreateDirectory(Path.Combine(dir, "rootfs", "etc"));
        File.WriteAllText(Path.Combine(dir, "rootfs", "etc", "message.txt"), "Hello from the rootfs\n");
        File.Copy(Path.Combine(examples, "base", "Makefile.uk"), Path.Combine(dir, "Makefile.uk"));
        File.Copy(Path.Combine(examples, "base", "main.c"), Path.Combine(dir, "main.c"));
        File.WriteAllText(Path.Combine(dir, "Kraftfile"), $"""
            spec: v0.6
            name: with-rootfs
            unikraft: {Path.Combine(examples, "fixture-core")}
            rootfs: ./rootfs
            cmd: ["/etc/message.txt"]
            targets:
            - qemu/x86_64
            - name: embedded
              platform: qemu
              architecture: x86_64
              kconfig:
                CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD: "y"
            x-farm:
              smoke:
                expect: "^Hello from the rootfs"
                exit: 0
            """);
        var layout = Path.Combine(_work, "oci");

        var run = await RunAsync(["build", dir, "--output", $"oci:{layout}", "--json"]);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var repository = new OciLayoutRepository(layout);
        var index = ImageIndex.Parse((await repository.TryGetManifestAsync("with-rootfs", Ct))!.Bytes);
        var manifests = new List<ImageManifest>();
        foreach (var entry in index.Manifests)
        {
            manifests.Add(ImageManifest.Parse((await repository.TryGetManifestAsync(entry.Digest.Value, Ct))!.Bytes));
        }

        // The initrd target: a kernel layer and an initrd layer holding the cpio.
        var withInitrd = Assert.Single(manifests, m => m.Layers.Count == 2);
        Assert.Equal(["org.unikraft.kernel.image", "org.unikraft.kernel.initrd"], withInitrd.Layers.Select(l => l.Annotations!.Keys.Single()));
        using var layer = new System.Formats.Tar.TarReader(new MemoryStream(await repository.GetBlobAsync(withInitrd.Layers[1].Digest, Ct)));
        var initrd = layer.GetNextEntry()!;
        Assert.Equal("unikraft/bin/initrd", initrd.Name.TrimStart('.', '/'));
        using var content = new MemoryStream();
        initrd.DataStream!.CopyTo(content);
        var text = System.Text.Encoding.ASCII.GetString(content.ToArray());
        Assert.StartsWith("070701", text, StringComparison.Ordinal);
        Assert.Contains("etc/message.txt", text, StringComparison.Ordinal);

        // The embedded target: the rootfs is in the kernel, so no initrd layer, and its boot still printed the file.
        var embedded = Assert.Single(manifests, m => m.Layers.Count == 1);
        var kernel = await repository.GetBlobAsync(embedded.Layers[0].Digest, Ct);
        Assert.True(kernel.AsSpan().IndexOf("Hello from the rootfs"u8) >= 0, "the embedded kernel holds the rootfs");
    }

    [Fact]
    public async Task Build_RuntimeApps_RunAfterTheirRuntime_AndReuseItsKernelLayerWithTheirOwnInitrd()
    {
        var examples = Path.Combine(ProjectReferences.RepositoryRoot(), "examples");
        var layout = Path.Combine(_work, "oci");

        var run = await RunAsync(["build", Path.Combine(examples, "hello-rootfs"), Path.Combine(examples, "base"), "--output", $"oci:{layout}", "--json"]);
        var missing = await RunAsync(["build", Path.Combine(examples, "hello-rootfs"), "--output", $"oci:{Path.Combine(_work, "empty")}"]);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var repository = new OciLayoutRepository(layout);
        async Task<Dictionary<string, ImageManifest>> ManifestsAsync(string tag)
        {
            var index = ImageIndex.Parse((await repository.TryGetManifestAsync(tag, Ct))!.Bytes);
            var result = new Dictionary<string, ImageManifest>();
            foreach (var entry in index.Manifests)
            {
                result[$"{entry.Platform!.Os}/{entry.Platform.Architecture}"] = ImageManifest.Parse((await repository.TryGetManifestAsync(entry.Digest.Value, Ct))!.Bytes);
            }

            return result;
        }

        var runtime = await ManifestsAsync("base");
        var app = await ManifestsAsync("hello-rootfs");
        Assert.Equal(runtime.Keys.Order(), app.Keys.Order());
        foreach (var (platform, manifest) in app)
        {
            Assert.Equal(runtime[platform].Layers[0].Digest, manifest.Layers[0].Digest);
            Assert.Equal("org.unikraft.kernel.initrd", manifest.Layers[1].Annotations!.Keys.Single());
            var initrd = System.Text.Encoding.ASCII.GetString(await repository.GetBlobAsync(manifest.Layers[1].Digest, Ct));
            Assert.Contains("Hello from a Dockerfile rootfs", initrd, StringComparison.Ordinal);
        }

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("runtime: unikraft.org/base:latest", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such image", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_RuntimeAppPushedToTheRuntimesRegistry_MountsTheKernelLayer_NeverUploadsItAgain()
    {
        var examples = Path.Combine(ProjectReferences.RepositoryRoot(), "examples");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);

        var run = await RunAsync(["build", Path.Combine(examples, "base"), Path.Combine(examples, "hello-rootfs"), "--targets", "qemu/x86_64", "--push", $"{proxy.Host}/catalog", "--json"]);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var client = new Farm.Core.Oci.Distribution.RegistryClientOptions { Insecure = true };
        async Task<ImageManifest> ManifestAsync(string repository)
        {
            var repo = OciRepositories.Open(OciReference.Parse($"{registry.Host}/catalog/{repository}"), client);
            var index = ImageIndex.Parse((await repo.TryGetManifestAsync("latest", Ct))!.Bytes);
            return ImageManifest.Parse((await repo.TryGetManifestAsync(Assert.Single(index.Manifests).Digest.Value, Ct))!.Bytes);
        }

        var runtime = await ManifestAsync("base");
        var app = await ManifestAsync("hello-rootfs");
        var kernel = runtime.Layers[0].Digest;
        Assert.Equal(kernel, app.Layers[0].Digest);
        Assert.Equal(2, app.Layers.Count);
        var requests = proxy.Requests.ToList();
        // Uploaded once, to the runtime's repository; mounted into the app's (201 Created), and no bytes sent there.
        Assert.Contains(requests, r => r.Method == "POST" && r.Path == "/v2/catalog/hello-rootfs/blobs/uploads/" && r.PathAndQuery.Contains($"mount={kernel}", StringComparison.Ordinal) && r.StatusCode == 201);
        Assert.Contains(requests, r => r.Method == "PUT" && r.Path.StartsWith("/v2/catalog/base/blobs/uploads/", StringComparison.Ordinal) && Uri.UnescapeDataString(r.PathAndQuery).Contains($"digest={kernel}", StringComparison.Ordinal));
        Assert.DoesNotContain(requests, r => r.Method is "PUT" or "PATCH" && r.Path.StartsWith("/v2/catalog/hello-rootfs/blobs/uploads/", StringComparison.Ordinal) && Uri.UnescapeDataString(r.PathAndQuery).Contains($"digest={kernel}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkerBuildTarget_RuntimeApp_BootsTheRuntimesKernel_AndPkgReusesItsKernelLayer()
    {
        var examples = Path.Combine(ProjectReferences.RepositoryRoot(), "examples");
        var catalog = Path.Combine(_work, "catalog");
        var output = Path.Combine(_work, "target");
        Assert.Equal(0, (await RunAsync(["build", Path.Combine(examples, "base"), "--targets", "qemu/x86_64", "--output", $"oci:{catalog}"])).ExitCode);

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var worker = await FarmProcess.RunAsync(
            [Path.Combine(ProjectReferences.RepositoryRoot(), "worker", "Farm.Worker", "bin", configuration, "net10.0", "worker.dll"), "build-target", Path.Combine(examples, "hello-rootfs"), "--target", "qemu/x86_64", "--out", output, "--runtime-mirror", $"unikraft.org=oci:{catalog}", "--json"],
            [("XDG_CACHE_HOME", Path.Combine(_work, "cache"))],
            Ct,
            assembly: null);
        var pkg = await RunAsync(["pkg", "--kernel", Path.Combine(output, "hello-rootfs_qemu-x86_64"), "--initrd", Path.Combine(output, "initrd"), "--config", Path.Combine(output, ".config"), "--plat", "qemu", "--arch", "x86_64", "--kraftfile", Path.Combine(examples, "hello-rootfs"), $"oci:{catalog}:hello-rootfs"]);

        Assert.True(worker.ExitCode == 0, worker.Stdout + worker.Stderr);
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "result.json"), Ct)).RootElement;
        Assert.Equal("succeeded", result.GetProperty("status").GetString());
        Assert.Equal("passed", result.GetProperty("smoke").GetProperty("status").GetString());
        // The base kernel printed the file the Dockerfile put in the rootfs: the initrd reached it.
        Assert.Contains("Hello from a Dockerfile rootfs", await File.ReadAllTextAsync(Path.Combine(output, "console.log"), Ct), StringComparison.Ordinal);
        Assert.True(pkg.ExitCode == 0, pkg.Stdout + pkg.Stderr);
        var repository = new OciLayoutRepository(catalog);
        async Task<ImageManifest> ManifestAsync(string tag) =>
            ImageManifest.Parse((await repository.TryGetManifestAsync(ImageIndex.Parse((await repository.TryGetManifestAsync(tag, Ct))!.Bytes).Manifests[0].Digest.Value, Ct))!.Bytes);
        var runtime = await ManifestAsync("base");
        var app = await ManifestAsync("hello-rootfs");
        Assert.Equal(runtime.Layers[0].Digest, app.Layers[0].Digest);
        Assert.Equal(2, app.Layers.Count);
    }

    [Fact]
    public async Task Build_NoSmoke_BuildsPlatformsThisHostCannotBoot_UntestedAndNeverIntoTheTargetCache()
    {
        var app = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");
        var layout = Path.Combine(_work, "oci");

        var untested = await RunAsync(["build", app, "--targets", "fc/x86_64,qemu/x86_64", "--no-smoke", "--output", $"oci:{layout}:untested", "--json"]);
        var tested = await RunAsync(["build", app, "--targets", "qemu/x86_64", "--output", $"oci:{layout}:tested", "--json"]);

        Assert.True(untested.ExitCode == 0, untested.Stdout + untested.Stderr);
        var targets = Build(untested).GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["fc/x86_64", "qemu/x86_64"], targets.Select(Platform).Order(StringComparer.Ordinal));
        Assert.All(targets, t => Assert.Equal("succeeded", t.GetProperty("state").GetString()));
        Assert.All(targets, t => Assert.Equal(JsonValueKind.Null, t.GetProperty("bootSeconds").ValueKind));
        var index = ImageIndex.Parse((await new OciLayoutRepository(layout).TryGetManifestAsync("untested", Ct))!.Bytes);
        Assert.Equal(2, index.Manifests.Count);
        // The untested kernel did not go into the target cache: the tested build builds and boots.
        Assert.True(tested.ExitCode == 0, tested.Stdout + tested.Stderr);
        var qemu = Build(tested).GetProperty("targets")[0];
        Assert.False(qemu.GetProperty("cached").GetBoolean());
        Assert.True(qemu.GetProperty("bootSeconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Build_TargetNotInTheKraftfile_SaysWhatItHas_AndBuildsNothing()
    {
        var app = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");

        var run = await RunAsync(["build", app, "--targets", "qemu/riscv64", "--output", $"oci:{Path.Combine(_work, "oci")}"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("targets: qemu/riscv64 not in this Kraftfile; it has qemu/x86_64 (helloworld)", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work, "oci", "blobs")));
    }

    [Fact]
    public async Task Build_BadDestination_IsAUsageError()
    {
        var app = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");

        var both = await RunAsync(["build", app, "--output", "oci:x", "--push", "127.0.0.1:5000/x"]);
        var registryAsOutput = await RunAsync(["build", app, "--output", "127.0.0.1:5000/x"]);

        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give one", both.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, registryAsOutput.ExitCode);
        Assert.Contains("use --push for a registry", registryAsOutput.Stderr, StringComparison.Ordinal);
    }

    private static string Platform(JsonElement target) => $"{target.GetProperty("platform").GetString()}/{target.GetProperty("architecture").GetString()}";

    private static JsonElement Build(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement.GetProperty("builds")[0];

    /// <summary>An app on the fixture core that passes on x86_64 and crashes on arm64.</summary>
    private string App(string name, string? publish)
    {
        var dir = Path.Combine(_work, name);
        Directory.CreateDirectory(dir);
        var core = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "fixture-core");
        File.WriteAllText(Path.Combine(dir, "Kraftfile"), $"""
            spec: v0.6
            name: {name}
            unikraft: {core}
            targets:
            - qemu/x86_64
            - qemu/arm64
            x-farm:
              smoke:
                expect: "Hello"
            {(publish is null ? string.Empty : $"  publish: {publish}")}
            """);
        File.WriteAllText(Path.Combine(dir, "Makefile.uk"), File.ReadAllText(Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld", "Makefile.uk")));
        File.WriteAllText(Path.Combine(dir, "main.c"), """
            #include <stdio.h>

            int main(void)
            {
            #if defined(__aarch64__)
            	__builtin_trap();
            #endif
            	printf("Hello from x86_64\n");
            	return 0;
            }
            """);
        return dir;
    }

    private Task<CliRun> RunAsync(string[] args) =>
        FarmProcess.RunAsync(args, [("XDG_CACHE_HOME", Path.Combine(_work, "cache"))], Ct);
}

using System.Text.Json;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Shared;

namespace Farm.Tests.Cli;

/// <summary><c>farm build</c> with a rootfs, and with runtime-only apps on a runtime built in the same invocation.</summary>
public sealed partial class BuildCommandTests
{
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

        var run = await RunAsync(["build", dir, "--allow-outside-sources", "--output", $"oci:{layout}", "--json"]);

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
}

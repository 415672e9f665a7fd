using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Tests.Shared;

namespace Farm.Tests.Cli;

/// <summary>
/// <c>farm build</c>, the embedded farm, end to end as a user runs it: real builds of the fixture core, real boots
/// (QEMU, linuxu), an OCI layout as output, and the target cache on a second run.
/// </summary>
public sealed partial class BuildCommandTests : IDisposable
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
    public async Task Build_WorkerCacheDirectorySet_KeepsTheBuildDirectoriesThere()
    {
        var app = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");
        var workerCache = Path.Combine(_work, "worker-cache");

        var run = await FarmProcess.RunAsync(
            ["build", app, "--targets", "qemu/x86_64", "--output", $"oci:{Path.Combine(_work, "oci")}"],
            [("XDG_CACHE_HOME", Path.Combine(_work, "xdg")), ("Farm__Worker__CacheDirectory", workerCache)],
            Ct);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(workerCache, "work"), "helloworld_qemu-x86_64", SearchOption.AllDirectories));
        // The target's output (kernel, config, initrd) is gone once pushed; the build directory stays for the next build.
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.Combine(workerCache, "work"), "*", SearchOption.AllDirectories), f => f.Contains("/builds/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_work, "xdg", "unikernel-farm", "work")));
    }

    [Fact]
    public async Task Build_OneTargetFails_PublishesNothing_UnlessTheKraftfileOptsIntoPartial()
    {
        var all = App("arm-crash", publish: null);
        var partial = App("arm-crash-partial", publish: "partial");
        var layout = Path.Combine(_work, "oci");

        // The apps name the fixture core in this repository, outside their temporary directories.
        var strict = await RunAsync(["build", all, "--allow-outside-sources", "--output", $"oci:{layout}"]);
        var lenient = await RunAsync(["build", partial, "--allow-outside-sources", "--output", $"oci:{layout}", "--json"]);

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
    public async Task Build_KraftfileNamingPathsOutsideItsTree_IsRefusedLocated_AndSaysHowToAllowIt()
    {
        // The app's directory is not in a git work tree: its tree is that directory; the core and /etc are outside it.
        var app = App("outside", publish: null);
        File.AppendAllText(Path.Combine(app, "Kraftfile"), "rootfs: /etc\n");

        var run = await RunAsync(["build", app, "--output", $"oci:{Path.Combine(_work, "oci")}"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{app}/Kraftfile:3:11: error: unikraft: '{Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "fixture-core")}' leaves the source tree", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("error: rootfs: '/etc' leaves the source tree", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("farm build --allow-outside-sources builds it anyway", run.Stderr, StringComparison.Ordinal);
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

using Farm.Cache;
using Farm.Cache.Store;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.State.Sources;
using Farm.Worker.Builders;
using Farm.Worker.Caching;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;

namespace Farm.Worker.Tests.Caching;

/// <summary>
/// Earlier builds restored on the real Unikraft core and app-helloworld (FARM_REAL_SOURCES, as in
/// <see cref="Cli.RealUnikraftTests"/>; skipped where they are absent): after a one-file change, a build in a new
/// directory gets every other object back, compiles only the changed one, and gives the kernel a build without the
/// restore gives.
/// </summary>
public sealed class RealRestoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Sources => Environment.GetEnvironmentVariable("FARM_REAL_SOURCES") is { Length: > 0 } root
        && Directory.Exists(Path.Combine(root, "unikraft", "plat")) && Directory.Exists(Path.Combine(root, "app-helloworld"))
            ? root
            : null;

    /// <summary>farm-cc: FARM_CC when set (the NativeAOT one is fast), else the one `dotnet build` leaves.</summary>
    private static string Launcher => Environment.GetEnvironmentVariable("FARM_CC") is { Length: > 0 } aot ? aot
        : $"dotnet {Path.Combine(TestPaths.RepositoryRoot, "cache", "Farm.Cache.Cc", "bin", "Release", "net10.0", "farm-cc.dll")}";

    [Fact]
    public async Task Real_OneFileChangedInANewDirectory_CompilesOnlyThatFileAndGivesTheSameKernel()
    {
        Assert.SkipWhen(Sources is null, "the real Unikraft sources are not here: set FARM_REAL_SOURCES to a directory with unikraft/ and app-helloworld/ (see bench/real-catalog.sh)");
        using var temp = new TempDirectory();
        var app = CopyApp(temp);

        var cold = await BuildAsync(temp, app, "cold", restore: true);
        ChangeOneFile(app);
        var restored = await BuildAsync(temp, app, "restored", restore: true);
        var fresh = await BuildAsync(temp, app, "fresh", restore: false);

        Assert.True(cold.Result.Succeeded && restored.Result.Succeeded && fresh.Result.Succeeded, cold.Result.FailureReason + restored.Result.FailureReason + fresh.Result.FailureReason);
        // Every object the cold build recorded (its compiles and preprocessed linker scripts) but the changed one comes
        // back, with the generated files, and one make run (no defconfig, no prepare) compiles that one alone.
        var recorded = int.Parse(System.Text.RegularExpressions.Regex.Match(string.Join('\n', cold.Log), "recorded ([0-9]+) objects").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(recorded >= cold.Result.Cache!.Misses, string.Join('\n', cold.Log));
        var line = Assert.Single(restored.Log, l => l.Contains($"restored {recorded - 1} of {recorded} objects", StringComparison.Ordinal));
        var generated = System.Text.RegularExpressions.Regex.Match(line, "objects, ([0-9]+) of ([0-9]+) generated files");
        Assert.True(generated.Success && generated.Groups[1].Value == generated.Groups[2].Value && int.Parse(generated.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, line);
        Assert.Single(restored.Log, l => l.StartsWith("$ make ", StringComparison.Ordinal));
        Assert.Equal(1, restored.Result.Cache!.Hits + restored.Result.Cache.Misses);
        Assert.Equal(fresh.Result.KernelSha256, restored.Result.KernelSha256);
        Assert.NotEqual(cold.Result.KernelSha256, restored.Result.KernelSha256);
    }

    [Fact]
    public async Task Real_OneFileChangedOnAFreshWorker_RestoresTheBuildAnotherWorkerPublished()
    {
        Assert.SkipWhen(Sources is null, "the real Unikraft sources are not here: set FARM_REAL_SOURCES to a directory with unikraft/ and app-helloworld/ (see bench/real-catalog.sh)");
        await using var registry = await Farm.Core.Tests.Oci.TestRegistry.RegistryServer.StartAsync(ct: Ct);
        using var temp = new TempDirectory();
        var app = CopyApp(temp);
        var shared = $"{registry.Host}/farm-cache";

        var cold = await BuildAsync(temp, app, "worker-a", restore: true, cache: "cache-a", registry: shared);
        ChangeOneFile(app);
        var fresh = await BuildAsync(temp, app, "worker-b", restore: true, cache: "cache-b", registry: shared);

        Assert.True(cold.Result.Succeeded && fresh.Result.Succeeded, cold.Result.FailureReason + fresh.Result.FailureReason);
        var recorded = int.Parse(System.Text.RegularExpressions.Regex.Match(string.Join('\n', cold.Log), "recorded ([0-9]+) objects").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(cold.Log, l => l.Contains("and the build's snapshot", StringComparison.Ordinal));
        Assert.Contains(fresh.Log, l => l.Contains("and the snapshot of the build that published them", StringComparison.Ordinal));
        Assert.Single(fresh.Log, l => l.Contains($"restored {recorded - 1} of {recorded} objects", StringComparison.Ordinal));
        Assert.Single(fresh.Log, l => l.StartsWith("$ make ", StringComparison.Ordinal));
        Assert.Equal(1, fresh.Result.Cache!.Hits + fresh.Result.Cache.Misses);
    }

    private static string CopyApp(TempDirectory temp)
    {
        var app = temp.Combine("app");
        Directory.CreateDirectory(app);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Sources!, "app-helloworld")))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }

        File.Delete(Path.Combine(app, "kraft.yaml"));
        File.WriteAllText(Path.Combine(app, "Kraftfile"), $"spec: v0.6\nname: helloworld\nunikraft:\n  source: {Path.Combine(Sources!, "unikraft")}\ntargets:\n  - platform: qemu\n    architecture: x86_64\n    kconfig:\n      - CONFIG_LIBUKRANDOM=n\n");
        return app;
    }

    private static void ChangeOneFile(string app)
    {
        var main = Path.Combine(app, "main.c");
        File.WriteAllText(main, File.ReadAllText(main).Replace("printf(\"Hello world!\\n\");", "printf(\"Hello world!\\n\");\n\tprintf(\"one file changed\\n\");", StringComparison.Ordinal));
    }

    private static async Task<(TargetResult Result, List<string> Log)> BuildAsync(TempDirectory temp, string app, string name, bool restore, string cache = "cache", string? registry = null)
    {
        var kraftfile = new KraftfileParser().Load(app).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.Single();
        var capabilities = await CapabilityDetector.DetectAsync(null, Ct);
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(temp.Combine("git"))), new UnikraftMakeBuilder(), capabilities, CapabilityDetector.Runners(capabilities));
        var settings = new CacheSettings(temp.Combine(cache), CacheSettings.DefaultMaxSize, null, registry, CacheScope.TrustedScope, ReadOnly: false, PrefixMap: null);
        var options = new TargetPipelineOptions(temp.Combine(name, "out"))
        {
            BuildDirectory = temp.Combine(name, "build"),
            Cache = new ObjectCache(settings, Launcher) { RestoresBuilds = restore },
            Jobs = 2,
        };
        var log = new List<string>();
        var result = await pipeline.RunAsync(kraftfile, job, options, line => { lock (log) { log.Add(line); } }, Ct);
        return (result, log);
    }
}

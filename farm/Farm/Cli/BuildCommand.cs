using System.CommandLine;
using Farm.Builds;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Embedded;

namespace Farm.Cli;

/// <summary>
/// <c>farm build PATH... [--targets LIST] [--output oci:DIR[:TAG] | --push REF] [--sign-key KEY] [--json]</c>: the
/// embedded farm. Every Kraftfile is planned into one job per target; the jobs run on this host's worker (Hangfire
/// in memory), each target is built, boot-tested and packaged, and each Kraftfile's targets become one index.
/// Images go to an OCI layout (by default <c>oci:out/oci</c>, one tag per app, the app's name) or a registry.
/// Exit codes: 0 every build published, 1 a build failed or an input is invalid, 2 usage, 130 interrupted.
/// Every path a Kraftfile names (rootfs, local sources) must stay in its source tree: the git work tree holding it, else
/// its directory. The work tree, not the Kraftfile's directory, so that apps of one repository may share a core beside
/// them (examples/*/Kraftfile name ../fixture-core: ./demo.sh in a git clone needs no flag), while a cloned pull request cannot
/// pack ~/.ssh into an image. <c>--allow-outside-sources</c> lifts it for a developer whose app names a sibling checkout;
/// served mode has no such switch.
/// </summary>
internal static class BuildCommand
{
    public const string DefaultOutput = "oci:out/oci";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Kraftfiles, or directories holding one", Arity = ArgumentArity.OneOrMore };
        var targets = new Option<string?>("--targets") { Description = "Only these targets, comma-separated: plat/arch (qemu/x86_64), a target name or a kernel file name" };
        var output = new Option<string?>("--output") { Description = $"An OCI layout: oci:DIR (one tag per app, its name) or oci:DIR:TAG (default {DefaultOutput})" };
        var push = new Option<string?>("--push") { Description = "A registry repository instead: host[:port]/repo[:tag] (several apps: host/repo/APP:tag)" };
        var signKey = new Option<string?>("--sign-key") { Description = "Sign each index and every manifest with this private key (PEM; farm keygen)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every build's result on stdout" };
        var parallel = new Option<int>("--parallel") { Description = "Targets built at once", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP to the registry (loopback registries always allow it)" };
        var runtimeMirror = new Option<string[]>("--runtime-mirror") { Description = "Fetch runtime images of REGISTRY from TARGET: REGISTRY=host:port/prefix or REGISTRY=oci:DIR (repeatable)" };
        var command = new Command("build", "Build Kraftfiles for every target in this process, boot-test them and publish one index per Kraftfile");
        command.Arguments.Add(paths);
        var noSmoke = new Option<bool>("--no-smoke") { Description = "Do not boot the images: build every platform this host compiles for and publish untested" };
        var outside = new Option<bool>("--allow-outside-sources") { Description = "Let the Kraftfile name paths outside its source tree (the git work tree holding it, else its directory), e.g. a sibling Unikraft checkout" };
        foreach (var option in new Option[] { targets, output, push, signKey, json, parallel, insecure, runtimeMirror, noSmoke, outside })
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(paths)!,
            result.GetValue(targets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            result.GetValue(output),
            result.GetValue(push),
            result.GetValue(signKey),
            result.GetValue(json),
            Math.Max(1, result.GetValue(parallel)),
            result.GetValue(insecure),
            result.GetValue(runtimeMirror) ?? [],
            !result.GetValue(noSmoke),
            result.GetValue(outside),
            stdout,
            stderr,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string[] paths, string[] targets, string? output, string? push, string? signKey, bool json, int parallel, bool insecure, string[] runtimeMirrors, bool smoke, bool allowOutsideSources, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (output is not null && push is not null)
        {
            await stderr.WriteLineAsync("farm build: --output and --push name two destinations; give one").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        // The embedded worker's settings (Farm__Worker__*, Farm__Cache__*/FARM_CACHE_*, ...), checked before anything runs.
        if (await Embedded.EmbeddedWorkerSettings.LoadAsync(stderr, "farm build").ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.UsageError;
        }

        var destination = push ?? output ?? DefaultOutput;
        if (!OciReference.TryParse(destination, out var reference, out var error) || reference.Digest is not null)
        {
            await stderr.WriteLineAsync($"farm build: {(push is null ? "--output" : "--push")} {destination}: {error ?? "a digest cannot be a destination"}").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        if (push is null && !reference.IsLayout)
        {
            await stderr.WriteLineAsync($"farm build: --output {destination}: not an OCI layout (oci:DIR[:TAG]); use --push for a registry").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        if (push is not null && reference.IsLayout)
        {
            await stderr.WriteLineAsync($"farm build: --push {destination}: an OCI layout; use --output for oci:DIR").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        if (signKey is not null)
        {
            try
            {
                using var key = Core.Oci.Signing.SigningKey.Load(signKey);
            }
            catch (Core.Oci.Signing.SigningException ex)
            {
                await stderr.WriteLineAsync($"farm build: --sign-key: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
        }

        // The worker's cache directory holds the build directories too: Farm__Worker__CacheDirectory when set.
        var cache = settings.CacheDirectory;
        var registry = new RegistryClientOptions { Insecure = insecure || (!reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!)) };
        var mirrors = new RuntimeMirrors();
        foreach (var mirror in runtimeMirrors)
        {
            if (!mirrors.TryAdd(mirror))
            {
                await stderr.WriteLineAsync($"farm build: --runtime-mirror {mirror}: not REGISTRY=TARGET (e.g. unikraft.org=oci:out/catalog)").ConfigureAwait(false);
                return ExitCodes.UsageError;
            }
        }

        // A runtime named like an app of this invocation (runtime: base:latest, an app named base) is that app's image.
        var untaggedLayout = reference.IsLayout && !HasTag(destination);
        if (untaggedLayout || (!reference.IsLayout && paths.Length > 1))
        {
            mirrors.TryAdd($"{Core.Kraftfiles.RuntimeReference.DefaultRegistry}={(reference.IsLayout ? $"oci:{reference.LayoutDirectory}" : $"{reference.Registry}/{reference.Repository}")}");
        }

        await using var farm = await EmbeddedFarm.StartAsync(Path.Combine(cache, "work"), parallel, registry, mirrors, smoke, settings, cancellationToken).ConfigureAwait(false);
        if (!json)
        {
            await stderr.WriteLineAsync($"farm build: worker {farm.WorkerDescription}").ConfigureAwait(false);
        }

        var builds = new List<BuildRecord>();
        var failed = false;
        var rejected = new List<(string Path, IReadOnlyList<string> Errors)>();
        var live = !json && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive;
        var progress = new BuildProgress(farm.Store, stderr);

        // Apps whose runtime is another app of this invocation run after it: first the rest, then them.
        var names = paths.Select(AppName).ToHashSet(StringComparer.Ordinal);
        var later = paths.Where(p => RuntimeApp(p) is { } runtimeApp && names.Contains(runtimeApp)).ToList();
        foreach (var path in paths.Except(later).Concat(later))
        {
            if (later.Count > 0 && path == later[0])
            {
                await progress.WaitAsync(builds, live, cancellationToken).ConfigureAwait(false);
            }

            var app = AppName(path);
            var request = new BuildRequest(path, Destination(reference, HasTag(destination), app, paths.Length).ToString(), targets)
            {
                SigningKeyFile = signKey is null ? null : Path.GetFullPath(signKey),
                LocalRoot = allowOutsideSources ? null : Core.IO.SourceTree.LocalRoot(Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!),
            };
            var (build, errors) = await farm.Submitter.SubmitAsync(request, cancellationToken).ConfigureAwait(false);
            if (build is null)
            {
                failed = true;
                rejected.Add((path, errors));
                foreach (var line in errors)
                {
                    await stderr.WriteLineAsync(line).ConfigureAwait(false);
                }

                continue;
            }

            builds.Add(build);
        }

        await progress.WaitAsync(builds, live, cancellationToken).ConfigureAwait(false);

        var finished = new List<(BuildRecord Build, IReadOnlyList<TargetRecord> Targets)>();
        foreach (var build in builds)
        {
            finished.Add(((await farm.Store.GetAsync(build.Id, CancellationToken.None).ConfigureAwait(false))!, await farm.Store.GetTargetsAsync(build.Id, CancellationToken.None).ConfigureAwait(false)));
        }

        failed |= finished.Exists(f => f.Build.State != BuildState.Succeeded);
        if (json)
        {
            await stdout.WriteLineAsync(BuildJson.Write(finished, rejected)).ConfigureAwait(false);
        }
        else
        {
            await Summary(farm.Store, finished, stdout).ConfigureAwait(false);
        }

        return cancellationToken.IsCancellationRequested ? 130 : failed ? ExitCodes.InvalidInput : ExitCodes.Success;
    }

    private static string Booted(double? seconds) => seconds is { } s ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"booted {s:0.00} s") : "not booted";

    /// <summary>Where one app's image goes: the tag names the app when none is given, or when several apps share one destination.</summary>
    internal static OciReference Destination(OciReference reference, bool tagged, string app, int apps)
    {
        if (reference.IsLayout)
        {
            return !tagged ? reference.WithTag(app) : apps > 1 ? reference.WithTag($"{app}-{reference.Tag}") : reference;
        }

        return apps > 1 ? OciReference.Parse($"{reference.Registry}/{reference.Repository}/{app}:{reference.Tag ?? OciReference.DefaultTag}") : reference;
    }

    /// <summary>Whether the destination names a tag (the parsed reference says latest either way).</summary>
    internal static bool HasTag(string destination) =>
        destination.StartsWith(OciReference.LayoutPrefix, StringComparison.Ordinal)
            ? destination[OciReference.LayoutPrefix.Length..].Contains(':', StringComparison.Ordinal)
            : destination[(destination.LastIndexOf('/') + 1)..].Contains(':', StringComparison.Ordinal);

    /// <summary>For a runtime-only Kraftfile whose runtime is in the default registry at <c>latest</c>, the runtime's name.</summary>
    private static string? RuntimeApp(string path)
    {
        var parsed = new Core.Kraftfiles.KraftfileParser().Load(path);
        var prefix = Core.Kraftfiles.RuntimeReference.DefaultRegistry + "/";
        return parsed.Kraftfile is { Kind: Core.Kraftfiles.KraftfileKind.Runtime, Runtime.Reference: { } runtime } && runtime.StartsWith(prefix, StringComparison.Ordinal) && runtime.EndsWith(":latest", StringComparison.Ordinal)
            ? runtime[prefix.Length..^":latest".Length]
            : null;
    }

    private static string AppName(string path)
    {
        var parsed = new Core.Kraftfiles.KraftfileParser().Load(path);
        return parsed.Kraftfile?.Name is { Length: > 0 } name ? name : Path.GetFileName(Path.GetFullPath(path).TrimEnd('/'));
    }

    private static async Task Summary(IBuildStore store, List<(BuildRecord Build, IReadOnlyList<TargetRecord> Targets)> finished, TextWriter stdout)
    {
        foreach (var (build, targets) in finished)
        {
            await stdout.WriteLineAsync().ConfigureAwait(false);
            await stdout.WriteLineAsync($"{build.App}: {build.State.Name()}{(build.IndexDigest is { } d ? $" — {build.Output}@{d}" : string.Empty)}{(build.Reason is { } r ? $" — {r}" : string.Empty)}").ConfigureAwait(false);
            foreach (var target in targets)
            {
                var figures = target.State != TargetState.Succeeded || target.Cached
                    ? string.Empty
                    : target.BuildSeconds is null
                        ? $" (the runtime's kernel, {Booted(target.BootSeconds)})"
                        : $" (built {target.BuildSeconds:0.00} s, {Booted(target.BootSeconds)}, cache {target.CacheHits}/{target.CacheHits + target.CacheMisses} hits)";
                await stdout.WriteLineAsync($"  {BuildProgress.Label(build, target),-16} {BuildProgress.Describe(target)}{figures}").ConfigureAwait(false);
                if (target.State == TargetState.Failed)
                {
                    var log = await store.ReadLogAsync(build.Id, target.Name, 0, CancellationToken.None).ConfigureAwait(false);
                    foreach (var line in log.TakeLast(15))
                    {
                        await stdout.WriteLineAsync($"    | {line}").ConfigureAwait(false);
                    }
                }
            }
        }
    }
}

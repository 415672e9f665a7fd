using System.Diagnostics;
using Farm.Core.IO;
using Farm.Core.Processes;

namespace Farm.Worker.Builders;

/// <summary>
/// Drives Unikraft's own make interface the way kraft does: the merged kconfig becomes a <c>UK_DEFCONFIG</c> file,
/// <c>make defconfig</c> expands it into the target's full <c>.config</c>, then <c>make -jN</c> builds
/// <c>$O/&lt;name&gt;_&lt;plat&gt;-&lt;arch&gt;</c>. Every target has its own build directory, so targets of one
/// Kraftfile never share objects or a <c>.config</c>.
/// </summary>
/// <param name="originsDirectory">Library origins builds take instead of downloading (<c>Farm__Worker__OriginsDirectory</c>), or null.</param>
internal sealed class UnikraftMakeBuilder(string? originsDirectory = null) : IKernelBuilder
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(60);

    public string Name => "make";

    public string? UnavailableReason => ExecutableLocator.Find("make") is null ? "make is not installed" : null;

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, Action<string> log, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        if (UnavailableReason is { } missing)
        {
            return BuildOutcome.Failed(missing, stopwatch.Elapsed);
        }

        var output = Path.GetFullPath(request.BuildDirectory);
        Directory.CreateDirectory(output);
        var kernel = Path.Combine(output, request.Job.KernelFileName);
        var config = Path.Combine(output, ".config");

        // A kernel left by an earlier build must not pass for this build's result if this one fails.
        File.Delete(kernel);
        var defconfigText = DefconfigWriter.Render(request.Kraftfile.Name, request.Job, request.ExtraKConfig);
        var key = await EarlierBuilds.KeyAsync(request, defconfigText, CoreVersionAsync(request, log, cancellationToken), log).ConfigureAwait(false);
        // The roots too: .config names them, and a build directory given by hand may be used for another copy of the app.
        var description = key is null ? null : string.Join('\n', [key, .. EarlierBuilds.Roots(request).All.Select(r => r.Path)]);
        var inPlace = KeptBuildDirectory.Enter(output, description ?? string.Empty, request.Placed, log) && description is not null && FileKinds.Of(config) == FileKind.Regular;

        var application = request.Sources.Application.Directory;
        if (!File.Exists(Path.Combine(application, "Makefile.uk")))
        {
            // Unikraft requires one; kraft creates it empty for apps that have no sources of their own. The app's
            // directory is not ours to write (a read-only checkout must build): its .uk files go to a stand-in in O=.
            var standIn = Path.Combine(output, "farm-app");
            Directory.CreateDirectory(standIn);
            foreach (var file in Directory.EnumerateFiles(application, "*.uk"))
            {
                if (FileKinds.Of(file) == FileKind.Regular)
                {
                    await InPlaceWrite.CopyAsync(file, Path.Combine(standIn, Path.GetFileName(file)), cancellationToken).ConfigureAwait(false);
                }
            }

            await InPlaceWrite.WriteAllTextAsync(Path.Combine(standIn, "Makefile.uk"), string.Empty, cancellationToken).ConfigureAwait(false);
            request = request with { Sources = request.Sources with { Application = request.Sources.Application with { Directory = standIn } } };
        }

        var defconfig = Path.Combine(output, "farm.defconfig");
        await InPlaceWrite.WriteAllTextAsync(defconfig, defconfigText, cancellationToken).ConfigureAwait(false);

        var common = CommonArguments(request, output, config);
        var earlier = inPlace || key is null ? null : EarlierBuilds.Find(request, key, log);
        if (inPlace)
        {
            // Its objects are here already: make alone rebuilds what changed, as a developer's incremental make does.
            log($"farm: {request.Job.KernelFileName}: make defconfig skipped: rebuilding in place the last build of this defconfig and build description");
        }
        else if (earlier is not null)
        {
            // The same defconfig, build description and kconfig inputs: make defconfig would write this .config again.
            log($"farm: {request.Job.KernelFileName}: make defconfig skipped: an earlier build had this defconfig and build description");
            await InPlaceWrite.WriteAllTextAsync(config, EarlierBuilds.Roots(request).PathAll(earlier.Snapshot.Config), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            log($"farm: {request.Job.KernelFileName}: make defconfig ({request.Sources.Core.Directory})");
            var configure = await MakeAsync(request, [.. common, $"UK_DEFCONFIG={defconfig}", "defconfig"], log, cancellationToken).ConfigureAwait(false);
            if (Failure(configure, "make defconfig") is { } configureFailure)
            {
                return BuildOutcome.Failed(configureFailure, stopwatch.Elapsed);
            }
        }

        // Libraries download their origins during the build; the sandbox has no network, the origins directory serves them.
        var fetcher = await LibraryOrigins.WriteFetcherAsync(output, cancellationToken).ConfigureAwait(false);
        List<string> build = [.. common, $"-j{Math.Max(1, request.Jobs)}", $"HOSTUTC={request.HostUtc}", $"WGET={fetcher}"];
        if (request.Toolchain.IsCross)
        {
            build.Add($"CROSS_COMPILE={request.Toolchain.CrossCompile}");
        }

        if (request.CompilerLauncher is { } launcher)
        {
            build.Add($"CC={launcher} {request.Toolchain.Compiler}");
        }

        // The generated files and objects go back before the one make run, with a time after the .config: make finds
        // them up to date and makes only what changed.
        var restore = earlier is null ? null : EarlierBuilds.Restore(request, earlier, log);
        log($"farm: {request.Job.KernelFileName}: make -j{Math.Max(1, request.Jobs)}");
        var compile = await MakeAsync(request, build, log, cancellationToken).ConfigureAwait(false);
        if (description is not null && compile.Outcome is { ExitCode: not null, TimedOut: false, LimitExceeded: null })
        {
            KeptBuildDirectory.Finished(output, description);
        }

        if (Failure(compile, "make") is { } compileFailure)
        {
            File.Delete(kernel);
            return BuildOutcome.Failed(compileFailure, stopwatch.Elapsed);
        }

        if (FileKinds.Of(kernel) == FileKind.Absent)
        {
            var produced = Directory.EnumerateFiles(output).Select(Path.GetFileName).Where(f => f is not null && !f.StartsWith('.')).Order(StringComparer.Ordinal);
            return BuildOutcome.Failed(
                $"make succeeded but did not produce {request.Job.KernelFileName} (the build directory has: {string.Join(", ", produced)})",
                stopwatch.Elapsed);
        }

        // The build directory is the sandbox's to write: a kernel or .config left as a link (to /etc/shadow, say) would
        // have the worker read, package and sign a host file. Once make has returned, no sandboxed process is left to
        // change them after this check.
        foreach (var produced in new[] { kernel, config })
        {
            if (FileKinds.Of(produced) is not (FileKind.Regular or FileKind.Absent) and var kind)
            {
                return BuildOutcome.Failed($"the build left {Path.GetFileName(produced)} as {FileKinds.Describe(kind)}, not a regular file; refused", stopwatch.Elapsed);
            }
        }

        var recorded = await EarlierBuilds.CaptureAsync(request, key, config, restore, log, cancellationToken).ConfigureAwait(false);
        return new BuildOutcome(kernel, File.Exists(config) ? config : null, null, stopwatch.Elapsed) { SnapshotKey = recorded ? key : null };
    }

    private static List<string> CommonArguments(BuildRequest request, string output, string config)
    {
        var libraries = string.Join(':', request.Sources.Libraries.Select(l => l.Directory));
        List<string> arguments =
        [
            "-C", request.Sources.Core.Directory, "--no-print-directory",
            $"A={request.Sources.Application.Directory}",
            $"O={output}",
            $"C={config}",
            $"N={request.Job.Target}",
        ];
        if (libraries.Length > 0)
        {
            arguments.Add($"L={libraries}");
        }

        return arguments;
    }

    /// <summary>
    /// The core's version suffix as make computes it (<c>UK_FULLVERSION</c>: <c>cd CORE; CORE/support/scripts/gitsha1</c>,
    /// in the sandbox, with make's environment), for the snapshot key; null when it could not be run (then nothing
    /// is restored or recorded). Its output goes into config.h and every compile's flags.
    /// </summary>
    private async Task<string?> CoreVersionAsync(BuildRequest request, Action<string> log, CancellationToken cancellationToken)
    {
        var core = request.Sources.Core.Directory;
        var spec = new ProcessSpec("sh", ["-c", "cd \"$1\"; \"$1/support/scripts/gitsha1\"", "sh", core])
        {
            WorkingDirectory = Path.GetFullPath(request.BuildDirectory),
            Environment = Environment(request),
        };
        var lines = new List<string>();
        var outcome = await request.Sandbox.RunAsync(spec, Policy(request, originsDirectory), line => { lock (lines) { lines.Add(line); } }, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (outcome.StartError is not null || outcome.TimedOut || outcome.LimitExceeded is not null)
        {
            log($"farm: {request.Job.KernelFileName}: earlier builds not used: the core's version could not be read ({outcome.StartError ?? outcome.LimitExceeded ?? "timed out"})");
            return null;
        }

        return string.Join('\n', lines);
    }

    private Dictionary<string, string> Environment(BuildRequest request)
    {
        var environment = new Dictionary<string, string> { ["LC_ALL"] = "C", ["MAKEFLAGS"] = string.Empty, ["MFLAGS"] = string.Empty };
        if (request.CompilerLauncher is not null)
        {
            environment["FARM_CACHE_PREFIX_MAP"] = CachePrefixMap(request);
        }

        foreach (var (key, value) in request.Environment)
        {
            environment[key] = value;
        }

        if (LibraryOrigins.Directory(originsDirectory) is { } origins)
        {
            environment["FARM_ORIGINS"] = origins;
        }

        return environment;
    }

    private async Task<MakeRun> MakeAsync(BuildRequest request, IReadOnlyList<string> arguments, Action<string> log, CancellationToken cancellationToken)
    {
        var failure = new FailureLine();
        var spec = new ProcessSpec("make", arguments)
        {
            WorkingDirectory = Path.GetFullPath(request.BuildDirectory),
            Environment = Environment(request),
        };
        log("$ " + spec.Display);
        var outcome = await request.Sandbox.RunAsync(
            spec,
            Policy(request, originsDirectory),
            line =>
            {
                log(line);
                failure.Observe(line);
            },
            BuildTimeout,
            cancellationToken).ConfigureAwait(false);
        return new MakeRun(outcome, failure.Reason);
    }

    /// <summary>
    /// What make may touch: the sources (core, app, libraries) and a compiler launcher or toolchain outside /usr
    /// read-only, the build directory writable, and the cache only through the broker's socket.
    /// </summary>
    internal static Sandboxing.SandboxPolicy Policy(BuildRequest request, string? originsDirectory = null)
    {
        var readOnly = new List<string> { request.Sources.Core.Directory, request.Sources.Application.Directory };
        readOnly.AddRange(request.Sources.Libraries.Select(l => l.Directory));
        // The launcher's programs and files ("farm-cc", or "dotnet /path/farm-cc.dll").
        foreach (var word in request.CompilerLauncher?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            var path = Path.IsPathRooted(word) ? word : ExecutableLocator.Find(word);
            if (path is not null && File.Exists(path))
            {
                var real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
                // A .dll, or the apphost of one (farm-cc as a plain `dotnet build` leaves it), needs its dependencies
                // beside it; a native program (NativeAOT) is bound alone.
                var managed = real.EndsWith(".dll", StringComparison.Ordinal) || File.Exists(real + ".dll");
                readOnly.Add(managed ? Path.GetDirectoryName(real)! : real);
            }
        }

        if (Path.GetDirectoryName(request.Toolchain.CompilerPath) is { } toolchain && Path.IsPathRooted(toolchain))
        {
            readOnly.Add(toolchain);
        }

        if (LibraryOrigins.Directory(originsDirectory) is { } origins)
        {
            readOnly.Add(origins);
        }

        return new Sandboxing.SandboxPolicy
        {
            ReadOnly = readOnly,
            Writable = [Path.GetFullPath(request.BuildDirectory)],
            CacheSocket = request.CacheSocket,
        };
    }

    /// <summary>
    /// The build's roots and the fixed names the object cache maps them to, so that the same sources built in other
    /// directories, or on other workers, share cache entries (and objects do not embed where they were built).
    /// </summary>
    internal static string CachePrefixMap(BuildRequest request)
    {
        var roots = new List<string>
        {
            $"{Path.GetFullPath(request.BuildDirectory)}=/farm/build",
            $"{request.Sources.Core.Directory}=/farm/unikraft",
            $"{request.Sources.Application.Directory}=/farm/app",
        };
        roots.AddRange(request.Sources.Libraries.Select(l => $"{l.Directory}=/farm/lib/{l.Name.Replace("libraries.", string.Empty, StringComparison.Ordinal)}"));
        return string.Join(':', roots);
    }

    private static string? Failure(MakeRun run, string step) => run.Outcome switch
    {
        { StartError: { } error } => error,
        { TimedOut: true } => $"{step} did not finish within {BuildTimeout.TotalMinutes:0} minutes",
        { LimitExceeded: { } limit } => $"{step} {limit}",
        { ExitCode: 0 } => null,
        { ExitCode: var code } => run.FirstError is { } line ? $"{step} failed (exit {code}): {line}" : $"{step} failed (exit {code})",
    };

    private sealed record MakeRun(ProcessOutcome Outcome, string? FirstError);
}

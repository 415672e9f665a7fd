using System.Diagnostics;
using Farm.Core.IO;
using Farm.Core.Processes;

namespace Farm.Worker.Builders;

/// <summary>
/// Builds with the <c>kraft</c> CLI when one is installed: kraft resolves the sources itself and writes to the
/// Kraftfile's <c>.unikraft/build</c>; the kernel and its <c>.config</c> are copied into the target's build
/// directory so that the rest of the pipeline sees the same layout as with <see cref="UnikraftMakeBuilder"/>.
/// </summary>
internal sealed class KraftCliBuilder : IKernelBuilder
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(60);

    public string Name => "kraft";

    public string? UnavailableReason => ExecutableLocator.Find("kraft") is null ? "the kraft CLI is not on PATH" : null;

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, Action<string> log, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        if (UnavailableReason is { } missing)
        {
            return BuildOutcome.Failed(missing, stopwatch.Elapsed);
        }

        var job = request.Job;
        var spec = new ProcessSpec(
            "kraft",
            ["build", "--log-type", "basic", "--no-update", "--plat", job.Platform, "--arch", job.Architecture, "--target", job.Target, "-j", Math.Max(1, request.Jobs).ToString(System.Globalization.CultureInfo.InvariantCulture), "-K", request.Kraftfile.Path, request.Kraftfile.Directory])
        {
            WorkingDirectory = request.Kraftfile.Directory,
            Environment = new Dictionary<string, string> { ["KRAFTKIT_NO_CHECK_UPDATES"] = "true", ["HOSTUTC"] = request.HostUtc },
        };
        log("$ " + spec.Display);
        var outcome = await ProcessRunner.RunAsync(spec, log, BuildTimeout, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            return BuildOutcome.Failed(outcome.StartError ?? (outcome.TimedOut ? "kraft build timed out" : $"kraft build failed (exit {outcome.ExitCode})"), stopwatch.Elapsed);
        }

        var built = Path.Combine(request.Kraftfile.Directory, request.Kraftfile.OutDir, job.KernelFileName);
        if (!File.Exists(built))
        {
            return BuildOutcome.Failed($"kraft build succeeded but {built} does not exist", stopwatch.Elapsed);
        }

        var output = Path.GetFullPath(request.BuildDirectory);
        Directory.CreateDirectory(output);
        var kernel = Path.Combine(output, job.KernelFileName);
        await InPlaceWrite.CopyAsync(built, kernel, cancellationToken).ConfigureAwait(false);
        var builtConfig = Path.Combine(request.Kraftfile.Directory, $".config.{job.KernelFileName}");
        string? config = null;
        if (File.Exists(builtConfig))
        {
            config = Path.Combine(output, ".config");
            await InPlaceWrite.CopyAsync(builtConfig, config, cancellationToken).ConfigureAwait(false);
        }

        return new BuildOutcome(kernel, config, null, stopwatch.Elapsed);
    }
}

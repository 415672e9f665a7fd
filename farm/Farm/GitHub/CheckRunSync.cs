using System.Globalization;
using System.Text.RegularExpressions;
using Farm.Core.Builds;
using Farm.GitHub.Checks;
using Microsoft.Extensions.Logging;

namespace Farm.GitHub;

/// <summary>
/// Moves each GitHub build's check runs along with its targets, from the farm's state: one check run per target,
/// created queued, in progress once a worker took it, completed with a conclusion, a summary and, for located
/// Kraftfile errors, annotations. It runs in <c>farm serve</c> beside the API; GitHub being down never touches a build,
/// it is retried on the next pass.
/// </summary>
internal sealed partial class CheckRunSync
{
    private readonly GitHubStore _store;
    private readonly IBuildStore _builds;
    private readonly ICheckRunReporter _reporter;
    private readonly ILogger _logger;

    public CheckRunSync(GitHubStore store, IBuildStore builds, ICheckRunReporter reporter, ILogger<CheckRunSync> logger)
    {
        _store = store;
        _builds = builds;
        _reporter = reporter;
        _logger = logger;
    }

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Npgsql.NpgsqlException ex)
            {
                Log.DatabaseFailed(_logger, ex);
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var (buildId, commit, kraftfile) in await _store.BuildsToReportAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await _builds.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } build)
            {
                continue;
            }

            var runs = await _store.CheckRunsAsync(buildId, cancellationToken).ConfigureAwait(false);
            foreach (var target in await _builds.GetTargetsAsync(buildId, cancellationToken).ConfigureAwait(false))
            {
                var name = CheckRunTarget.NameFor(target.Target == build.App ? build.App : $"{build.App} ({target.Target})", target.Platform, target.Architecture);
                var check = new CheckRunTarget(commit.InstallationId!.Value, commit.Owner, commit.Repository, commit.Sha, name, ExternalId: buildId);
                try
                {
                    await MoveAsync(build, target, check, kraftfile, runs.TryGetValue(target.Name, out var run) ? run : null, cancellationToken).ConfigureAwait(false);
                }
                catch (GitHubReportException ex)
                {
                    Log.ReportFailed(_logger, $"{commit.Owner}/{commit.Repository}", commit.Sha[..12], name, ex.Message);
                }
            }
        }
    }

    private async Task MoveAsync(BuildRecord build, TargetRecord target, CheckRunTarget check, string kraftfile, (long Id, string Status)? run, CancellationToken cancellationToken)
    {
        if (run is null)
        {
            run = (await _reporter.QueueAsync(check, cancellationToken).ConfigureAwait(false), "queued");
            await _store.SetCheckRunAsync(build.Id, target.Name, run.Value.Id, "queued", cancellationToken).ConfigureAwait(false);
        }

        var (id, status) = run.Value;
        if (status == "queued" && target.State != TargetState.Queued && target.State != TargetState.Skipped)
        {
            await _reporter.StartAsync(check, id, cancellationToken).ConfigureAwait(false);
            await _store.SetCheckRunAsync(build.Id, target.Name, id, status = "in_progress", cancellationToken).ConfigureAwait(false);
        }

        if (status != "completed" && target.State.IsFinal())
        {
            await _reporter.CompleteAsync(check, id, Outcome(build, target, kraftfile), cancellationToken).ConfigureAwait(false);
            await _store.SetCheckRunAsync(build.Id, target.Name, id, "completed", cancellationToken).ConfigureAwait(false);
        }
    }

    internal static CheckRunOutcome Outcome(BuildRecord build, TargetRecord target, string kraftfile)
    {
        var conclusion = target.State switch
        {
            TargetState.Succeeded => CheckRunConclusion.Success,
            TargetState.Skipped => CheckRunConclusion.Skipped,
            TargetState.Cancelled => CheckRunConclusion.Cancelled,
            _ => CheckRunConclusion.Failure,
        };
        var lines = new List<string>
        {
            $"**{target.State.Name()}** on `{target.Worker ?? "no worker"}`" + (target.Reason is { } reason ? $": {reason}" : string.Empty),
            string.Empty,
            "| build | boot | object cache | manifest |",
            "| --- | --- | --- | --- |",
            string.Create(CultureInfo.InvariantCulture, $"| {(target.Cached ? "target cache" : target.BuildSeconds is { } b ? $"{b:0.00} s" : "–")} | {(target.BootSeconds is { } s ? $"{s:0.00} s" : "–")} | {target.CacheHits}/{target.CacheHits + target.CacheMisses} | {target.ManifestDigest ?? "–"} |"),
        };
        if (build.IndexDigest is { } index)
        {
            lines.Add(string.Empty);
            lines.Add($"Published as `{build.Output}@{index}`.");
        }

        // Located messages (Kraftfile errors) point at their line; the Kraftfile itself otherwise.
        var annotations = new List<CheckAnnotation>();
        if (conclusion == CheckRunConclusion.Failure && target.Reason is { } why)
        {
            var match = Located().Match(why);
            annotations.Add(match.Success
                ? new CheckAnnotation(kraftfile, int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture), AnnotationLevel.Failure, match.Groups["message"].Value)
                : new CheckAnnotation(kraftfile, 1, 1, AnnotationLevel.Failure, why, $"{target.PlatformName} failed"));
        }

        return new CheckRunOutcome(conclusion, $"{target.PlatformName}: {target.State.Name()}", string.Join("\n", lines), null, annotations);
    }

    [GeneratedRegex(@"Kraftfile[^:]*:(?<line>\d+):(?<column>\d+): (?:error: )?(?<message>.*)$")]
    private static partial Regex Located();
}

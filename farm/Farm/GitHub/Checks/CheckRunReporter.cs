using System.Globalization;
using Octokit;

namespace Farm.GitHub.Checks;

/// <summary>Reports check runs through the farm's GitHub App, as the installation that covers the repository.</summary>
internal sealed class CheckRunReporter(GitHubAppClient app, TimeProvider time) : ICheckRunReporter
{
    /// <summary>GitHub takes at most 50 annotations per create or update request; more go in further updates.</summary>
    public const int AnnotationsPerRequest = 50;

    /// <summary>GitHub rejects an output summary or text longer than this (characters).</summary>
    public const int MaxOutputCharacters = 65_535;

    public async Task<long> QueueAsync(CheckRunTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var run = new NewCheckRun(target.Name, target.HeadSha)
        {
            Status = CheckStatus.Queued,
            DetailsUrl = target.DetailsUrl?.AbsoluteUri,
            ExternalId = target.ExternalId,
        };
        var created = await GitHubCall.RunAsync(
            $"Creating check run '{target.Name}' on {target.Owner}/{target.Repo}@{target.HeadSha}",
            () => app.ForInstallation(target.InstallationId).Check.Run.Create(target.Owner, target.Repo, run),
            ct).ConfigureAwait(false);
        return created.Id;
    }

    public Task StartAsync(CheckRunTarget target, long checkRunId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        return UpdateAsync(target, checkRunId, "Starting", new CheckRunUpdate { Status = CheckStatus.InProgress, StartedAt = time.GetUtcNow() }, ct);
    }

    /// <summary>
    /// Completes the check run with the first <see cref="AnnotationsPerRequest"/> annotations, then adds the rest in
    /// further updates of as many, in order (GitHub appends them). The output's title and summary go with each update:
    /// GitHub requires them whenever output is sent.
    /// </summary>
    public async Task CompleteAsync(CheckRunTarget target, long checkRunId, CheckRunOutcome outcome, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(outcome);
        var batches = (outcome.Annotations ?? []).Chunk(AnnotationsPerRequest).ToList();
        var completing = new CheckRunUpdate
        {
            Status = CheckStatus.Completed,
            Conclusion = ToOctokit(outcome.Conclusion),
            CompletedAt = time.GetUtcNow(),
            Output = Output(outcome, batches.FirstOrDefault() ?? []),
        };
        await UpdateAsync(target, checkRunId, "Completing", completing, ct).ConfigureAwait(false);

        foreach (var (batch, index) in batches.Skip(1).Select((b, i) => (b, i + 2)))
        {
            var more = new CheckRunUpdate { Output = Output(outcome, batch) };
            await UpdateAsync(target, checkRunId, $"Adding annotations (batch {index.ToString(CultureInfo.InvariantCulture)} of {batches.Count.ToString(CultureInfo.InvariantCulture)}) to", more, ct).ConfigureAwait(false);
        }
    }

    private Task UpdateAsync(CheckRunTarget target, long checkRunId, string verb, CheckRunUpdate update, CancellationToken ct) =>
        GitHubCall.RunAsync(
            $"{verb} check run {checkRunId.ToString(CultureInfo.InvariantCulture)} ('{target.Name}') on {target.Owner}/{target.Repo}",
            () => app.ForInstallation(target.InstallationId).Check.Run.Update(target.Owner, target.Repo, checkRunId, update),
            ct);

    private static NewCheckRunOutput Output(CheckRunOutcome outcome, IReadOnlyList<CheckAnnotation> annotations) =>
        new(outcome.Title, Truncate(outcome.Summary))
        {
            Text = outcome.Text is { } text ? Truncate(text) : null,
            Annotations = annotations.Select(ToOctokit).ToList(),
        };

    /// <summary>A long log in the summary must not cost the whole report: GitHub would refuse it with a 422.</summary>
    private static string Truncate(string markdown)
    {
        const string cut = "\n\n… (truncated)";
        return markdown.Length <= MaxOutputCharacters ? markdown : string.Concat(markdown.AsSpan(0, MaxOutputCharacters - cut.Length), cut);
    }

    private static NewCheckRunAnnotation ToOctokit(CheckAnnotation a) =>
        new(a.Path, a.StartLine, a.EndLine, ToOctokit(a.Level), a.Message) { Title = a.Title };

    private static CheckAnnotationLevel ToOctokit(AnnotationLevel level) => level switch
    {
        AnnotationLevel.Failure => CheckAnnotationLevel.Failure,
        AnnotationLevel.Warning => CheckAnnotationLevel.Warning,
        AnnotationLevel.Notice => CheckAnnotationLevel.Notice,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    private static CheckConclusion ToOctokit(CheckRunConclusion conclusion) => conclusion switch
    {
        CheckRunConclusion.Success => CheckConclusion.Success,
        CheckRunConclusion.Failure => CheckConclusion.Failure,
        CheckRunConclusion.Cancelled => CheckConclusion.Cancelled,
        CheckRunConclusion.Skipped => CheckConclusion.Skipped,
        CheckRunConclusion.Neutral => CheckConclusion.Neutral,
        _ => throw new ArgumentOutOfRangeException(nameof(conclusion), conclusion, null),
    };
}

using System.Text.Json;
using Farm.Catalog;
using Farm.Core.Builds;
using Hangfire;
using Octokit.Webhooks.Events;

namespace Farm.GitHub.Webhooks;

/// <summary>
/// Acts on one recorded delivery (Hangfire, queue <c>control</c>): a push builds every Kraftfile whose app it changed
/// (trusted on the default branch), a pull request builds the head's Kraftfiles untrusted, a re-requested check run
/// or suite builds again, <c>repository_dispatch</c> <c>catalog-rebuild</c> rebuilds the catalog. The outcome is
/// recorded with the delivery.
/// </summary>
internal sealed class GitHubDeliveryJob
{
    private readonly GitHubStore _store;
    private readonly GitHubBuilds _builds;
    private readonly IBuildStore _buildStore;
    private readonly CatalogRebuild? _catalog;

    public GitHubDeliveryJob(GitHubStore store, GitHubBuilds builds, IBuildStore buildStore, CatalogRebuild? catalog)
    {
        _store = store;
        _builds = builds;
        _buildStore = buildStore;
        _catalog = catalog;
    }

    [AutomaticRetry(Attempts = 2)]
    public async Task RunAsync(string deliveryId, CancellationToken cancellationToken)
    {
        if (await _store.GetDeliveryAsync(deliveryId, cancellationToken).ConfigureAwait(false) is not var (@event, payload))
        {
            return;
        }

        IReadOnlyList<string> outcome;
        try
        {
            outcome = await HandleAsync(@event, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or NullReferenceException or InvalidOperationException or ArgumentException or IOException)
        {
            // A payload this farm cannot act on: said once in the delivery's outcome, not retried.
            outcome = [$"failed: {ex.GetType().Name}: {ex.Message}"];
        }

        await _store.SetOutcomeAsync(deliveryId, string.Join("\n", outcome), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> HandleAsync(string @event, string payload, CancellationToken cancellationToken) =>
        @event switch
        {
            "ping" => ["pong"],
            "installation" => Installation(JsonSerializer.Deserialize<InstallationEvent>(payload)!),
            "push" => await PushAsync(JsonSerializer.Deserialize<PushEvent>(payload)!, cancellationToken).ConfigureAwait(false),
            "pull_request" => await PullRequestAsync(JsonSerializer.Deserialize<PullRequestEvent>(payload)!, cancellationToken).ConfigureAwait(false),
            "check_run" => await CheckRunAsync(JsonSerializer.Deserialize<CheckRunEvent>(payload)!, cancellationToken).ConfigureAwait(false),
            "check_suite" => await CheckSuiteAsync(JsonSerializer.Deserialize<CheckSuiteEvent>(payload)!, cancellationToken).ConfigureAwait(false),
            "repository_dispatch" => await DispatchAsync(JsonSerializer.Deserialize<RepositoryDispatchEvent>(payload)!, cancellationToken).ConfigureAwait(false),
            _ => [$"ignored: the farm does not act on {@event}"],
        };

    private static IReadOnlyList<string> Installation(InstallationEvent installation) =>
        [$"installation {installation.Installation.Id} {installation.Action} for {installation.Installation.Account?.Login}"];

    private static GitHubCommit Commit(Octokit.Webhooks.Models.Repository repository, Octokit.Webhooks.Models.InstallationLite? installation, string sha) =>
        new(installation?.Id, repository.Owner.Login, repository.Name, repository.CloneUrl ?? $"https://github.com/{repository.FullName}.git", sha);

    private async Task<IReadOnlyList<string>> PushAsync(PushEvent push, CancellationToken cancellationToken)
    {
        if (push.Deleted || push.After.All(c => c == '0'))
        {
            return [$"{push.Ref} deleted: nothing to build"];
        }

        // Only the default branch builds trusted: it alone may fill the shared caches.
        var scope = push.Ref == $"refs/heads/{push.Repository!.DefaultBranch}" ? "trusted" : "untrusted";
        var changed = push.Commits.SelectMany(c => c.Added.Concat(c.Modified).Concat(c.Removed))
            .Concat(push.HeadCommit is { } head ? head.Added.Concat(head.Modified).Concat(head.Removed) : [])
            .ToHashSet(StringComparer.Ordinal);
        var branch = push.Ref.StartsWith("refs/heads/", StringComparison.Ordinal) ? push.Ref["refs/heads/".Length..] : null;
        return await _builds.SubmitAsync(Commit(push.Repository, push.Installation, push.After) with { Branch = branch }, scope, kraftfiles =>
            changed.Count == 0
                ? kraftfiles // a new branch without commits of its own: everything it has
                : kraftfiles.Where(k => AppChanged(k, changed)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a push touched the app: its Kraftfile, or anything in the Kraftfile's directory and below.</summary>
    internal static bool AppChanged(string kraftfile, IReadOnlySet<string> changed)
    {
        var directory = Path.GetDirectoryName(kraftfile)?.Replace('\\', '/') ?? string.Empty;
        return directory.Length == 0 || changed.Contains(kraftfile) || changed.Any(p => p.StartsWith(directory + "/", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<string>> PullRequestAsync(PullRequestEvent pull, CancellationToken cancellationToken)
    {
        if (pull.Action is not ("opened" or "synchronize" or "reopened"))
        {
            return [$"pull request {pull.Action}: nothing to build"];
        }

        // The head may be a fork: built from its own repository, never trusted.
        var head = pull.PullRequest.Head;
        var repository = head.Repo ?? pull.Repository!;
        var commit = new GitHubCommit(pull.Installation?.Id, pull.Repository!.Owner.Login, pull.Repository.Name, repository.CloneUrl ?? pull.Repository.CloneUrl ?? $"https://github.com/{pull.Repository.FullName}.git", head.Sha) { Branch = head.Ref };
        return await _builds.SubmitAsync(commit, "untrusted", kraftfiles => kraftfiles, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> CheckRunAsync(CheckRunEvent checkRun, CancellationToken cancellationToken)
    {
        if (checkRun.Action != "rerequested")
        {
            return [$"check run {checkRun.Action}: nothing to do"];
        }

        // Our check runs carry their build's id as the external id: that build's Kraftfile, at the same commit and scope.
        if (checkRun.CheckRun.ExternalId is not { Length: > 0 } buildId || await _store.BuildOriginAsync(buildId, cancellationToken).ConfigureAwait(false) is not var (origin, kraftfile))
        {
            return [$"check run {checkRun.CheckRun.Id} is not one of this farm's builds"];
        }

        var scope = (await _buildStore.GetAsync(buildId, cancellationToken).ConfigureAwait(false))?.Scope ?? "untrusted";
        return await _builds.SubmitAsync(origin with { InstallationId = checkRun.Installation?.Id ?? origin.InstallationId }, scope, all => all.Where(k => k == kraftfile), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> CheckSuiteAsync(CheckSuiteEvent checkSuite, CancellationToken cancellationToken)
    {
        if (checkSuite.Action != "rerequested")
        {
            return [$"check suite {checkSuite.Action}: nothing to do"];
        }

        var scope = checkSuite.CheckSuite.HeadBranch == checkSuite.Repository!.DefaultBranch ? "trusted" : "untrusted";
        return await _builds.SubmitAsync(Commit(checkSuite.Repository, checkSuite.Installation, checkSuite.CheckSuite.HeadSha) with { Branch = checkSuite.CheckSuite.HeadBranch }, scope, all => all, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> DispatchAsync(RepositoryDispatchEvent dispatch, CancellationToken cancellationToken)
    {
        if (dispatch.Action != "catalog-rebuild")
        {
            return [$"repository_dispatch {dispatch.Action}: the farm acts only on catalog-rebuild"];
        }

        if (_catalog is null)
        {
            return ["catalog-rebuild: no catalog is configured (Farm__Catalog__Repository)"];
        }

        var run = await _catalog.RunAsync($"repository_dispatch from {dispatch.Repository?.FullName}", cancellationToken).ConfigureAwait(false);
        return [$"catalog rebuild {run}"];
    }
}

using Farm.Configuration;
using Farm.Builds;
using Farm.State.Sources;

namespace Farm.GitHub;

/// <summary>
/// Submits the builds a GitHub event asks for: the repository at the commit is checked out, and each chosen Kraftfile
/// becomes one build, published to <c>Farm__GitHub__Images/OWNER/REPO[/DIR]:SHA12</c>, in the scope the event earns
/// (trusted only for the default branch). Each build is recorded with its origin, for check runs and rebuilds.
/// </summary>
internal sealed class GitHubBuilds
{
    private readonly BuildSubmitter _submitter;
    private readonly SourceCheckout _sources;
    private readonly GitHubStore _store;
    private readonly FarmOptions _options;

    public GitHubBuilds(BuildSubmitter submitter, SourceCheckout sources, GitHubStore store, FarmOptions options)
    {
        _submitter = submitter;
        _sources = sources;
        _store = store;
        _options = options;
    }

    /// <param name="choose">Picks the Kraftfiles to build from all of the commit's (paths relative to its root).</param>
    /// <returns>One line per Kraftfile: the build's id, or why it was not built.</returns>
    public async Task<IReadOnlyList<string>> SubmitAsync(GitHubCommit commit, string scope, Func<IReadOnlyList<string>, IEnumerable<string>> choose, CancellationToken cancellationToken)
    {
        string root;
        try
        {
            root = await _sources.CheckoutAsync(commit.Repository, commit.CloneUrl, commit.Sha, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return [$"{commit.Owner}/{commit.Repository}@{commit.Sha}: {ex.Message}"];
        }

        var lines = new List<string>();
        foreach (var kraftfile in choose(KraftfileFinder.Find(root)))
        {
            var directory = Path.GetDirectoryName(kraftfile)?.Replace('\\', '/') is { Length: > 0 } d ? "/" + d : string.Empty;
            var image = ImageName.Sanitise($"{_options.Qualify(_options.GitHub.Images!.TrimEnd('/'))}/{commit.Owner}/{commit.Repository}{directory}") + $":{commit.Sha[..12]}";
            var (build, errors) = await _submitter.SubmitFromGitAsync(new GitSource(root, commit.CloneUrl, commit.Sha), kraftfile, image, [], scope, _options.Signing.KeyFile, cancellationToken, Core.Builds.BuildTriggers.Webhook, commit.Branch).ConfigureAwait(false);
            if (build is null)
            {
                lines.Add($"{kraftfile}: not built: {string.Join("; ", errors)}");
                continue;
            }

            await _store.AddBuildAsync(build.Id, commit, kraftfile, cancellationToken).ConfigureAwait(false);
            lines.Add($"{kraftfile}: build {build.Id} ({scope}) → {image}");
        }

        return lines.Count > 0 ? lines : [$"{commit.Owner}/{commit.Repository}@{commit.Sha[..12]}: no Kraftfile to build"];
    }
}

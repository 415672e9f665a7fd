using Farm.Configuration;
using Farm.Builds;
using Farm.GitHub;
using Farm.State.Sources;

namespace Farm.Catalog;

/// <summary>
/// Rebuilds the configured catalog: every Kraftfile of its repository at the default branch's head, one trusted build
/// each, published to <c>Farm__Catalog__Images/APP-DIR:latest</c>. Unchanged apps cost little: the target cache serves
/// their targets. Run nightly (a Hangfire recurring job) and on <c>repository_dispatch</c> <c>catalog-rebuild</c>.
/// </summary>
internal sealed class CatalogRebuild
{
    private readonly CatalogStore _store;
    private readonly BuildSubmitter _submitter;
    private readonly SourceCheckout _sources;
    private readonly FarmOptions _options;

    public CatalogRebuild(CatalogStore store, BuildSubmitter submitter, SourceCheckout sources, FarmOptions options)
    {
        _store = store;
        _submitter = submitter;
        _sources = sources;
        _options = options;
    }

    /// <summary>Submits the run's builds; returns the run's id.</summary>
    public async Task<string> RunAsync(string trigger, CancellationToken cancellationToken)
    {
        var repository = _options.Catalog.Repository!;
        var id = $"{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        string root, commit;
        try
        {
            (root, commit) = await _sources.CheckoutDefaultBranchAsync("catalog", repository, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await _store.StartRunAsync(id, repository, trigger, null, ex.Message, cancellationToken).ConfigureAwait(false);
            return id;
        }

        await _store.StartRunAsync(id, repository, trigger, commit, null, cancellationToken).ConfigureAwait(false);
        var prefix = _options.Qualify(_options.Catalog.Images!.TrimEnd('/'));
        foreach (var kraftfile in KraftfileFinder.Find(root))
        {
            var directory = Path.GetDirectoryName(kraftfile)?.Replace('\\', '/') is { Length: > 0 } d ? d : Path.GetFileName(repository.TrimEnd('/')).Replace(".git", string.Empty, StringComparison.Ordinal);
            var image = ImageName.Sanitise($"{prefix}/{directory}") + ":latest";
            var (build, errors) = await _submitter.SubmitFromGitAsync(new GitSource(root, repository, commit), kraftfile, image, [], "trusted", _options.Signing.KeyFile, cancellationToken, Core.Builds.BuildTriggers.Nightly).ConfigureAwait(false);
            await _store.AddAsync(id, kraftfile, build?.Id, build is null ? string.Join("; ", errors) : null, cancellationToken).ConfigureAwait(false);
        }

        return id;
    }
}

namespace Farm.State.Sources;

/// <summary>Git sources at a commit, checked out (content-addressed, shared) for the farm to read and plan their Kraftfiles.</summary>
public sealed class SourceCheckout
{
    private readonly GitCheckoutCache _git;

    /// <param name="cacheDirectory">Mirrors and checkouts; null for the user's cache directory.</param>
    /// <param name="policy">The URLs allowed (the farm's <c>Farm__Sources__Allow</c>); null for this process's environment.</param>
    /// <param name="archive">Whole source trees in the cache registry (<c>Farm__Cache__Registry</c>), or null.</param>
    public SourceCheckout(string? cacheDirectory = null, Core.Sources.SourcePolicy? policy = null, SourceArchive? archive = null)
    {
        CacheDirectory = cacheDirectory ?? SourceCacheLocations.UserDirectory();
        Policy = policy ?? Core.Sources.SourcePolicy.FromEnvironment();
        _git = new GitCheckoutCache(Path.Combine(CacheDirectory, "sources"), archive, Policy);
    }

    /// <summary>The URLs this farm may fetch.</summary>
    public Core.Sources.SourcePolicy Policy { get; }

    /// <summary>Where checkouts and unpacked uploads are kept.</summary>
    public string CacheDirectory { get; }

    /// <summary>The head of the repository's default branch, checked out: its directory and commit.</summary>
    public async Task<(string Directory, string Commit)> CheckoutDefaultBranchAsync(string name, string url, CancellationToken cancellationToken)
    {
        try
        {
            var checkout = await _git.CheckoutAsync(name, url, null, cancellationToken).ConfigureAwait(false);
            return (checkout.Directory, checkout.Commit!);
        }
        catch (SourceException ex)
        {
            throw new ArgumentException(ex.Message, nameof(url), ex);
        }
    }

    /// <summary>The checkout's directory; throws <see cref="ArgumentException"/> with the reason when it cannot be had.</summary>
    public async Task<string> CheckoutAsync(string name, string url, string commit, CancellationToken cancellationToken) =>
        (await CheckoutPinnedAsync(name, url, commit, cancellationToken).ConfigureAwait(false)).Directory;

    /// <summary>The checkout's directory and the full commit id <paramref name="commit"/> (a branch, tag or commit) resolved to.</summary>
    public async Task<(string Directory, string Commit)> CheckoutPinnedAsync(string name, string url, string commit, CancellationToken cancellationToken)
    {
        try
        {
            var checkout = await _git.CheckoutAsync(name, url, commit, cancellationToken).ConfigureAwait(false);
            return (checkout.Directory, checkout.Commit!);
        }
        catch (SourceException ex)
        {
            throw new ArgumentException(ex.Message, nameof(url), ex);
        }
    }
}

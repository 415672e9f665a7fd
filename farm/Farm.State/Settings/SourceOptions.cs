using Farm.Core.Oci;
using Farm.State.Sources;

namespace Farm.State.Settings;

/// <summary>
/// <c>Farm__Sources__*</c> as a worker reads them (the farm binds the same section into its own options): where
/// uploaded source archives are kept (farm and workers must name the same store) and which git URLs may be fetched.
/// Checked at start-up, so a worker with a malformed store stops instead of failing each upload target after retries.
/// </summary>
public sealed class SourceOptions : ISettingsCheck
{
    public const string Section = "Farm:Sources";

    /// <summary><c>Farm__Sources__Store</c>: <c>host:port/repo</c> or <c>oci:/path</c>; default the cache registry, else a layout in the user's cache directory.</summary>
    public string? Store { get; init; }

    /// <summary><c>Farm__Sources__Allow__0..N</c>: globs of the git URLs builds may fetch; empty means https, ssh and git@.</summary>
    public List<string> Allow { get; init; } = [];

    public Core.Sources.SourcePolicy Policy() => new(Allow);

    /// <summary>The store's reference: <see cref="Store"/>, else <paramref name="cacheRegistry"/>, else the default layout.</summary>
    public OciReference Reference(string? cacheRegistry) =>
        OciReference.Parse(Store is { Length: > 0 } store ? store : cacheRegistry is { Length: > 0 } cache ? cache : OciReference.LayoutPrefix + UploadStore.DefaultLayout);

    public IEnumerable<(string Key, string Problem)> Problems()
    {
        if (Store is { Length: > 0 } store && !OciReference.TryParse(store, out _, out var error))
        {
            yield return (nameof(Store), $"'{store}' is not host:port/repo or oci:/path: {error}");
        }
    }
}

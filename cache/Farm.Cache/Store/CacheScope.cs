namespace Farm.Cache.Store;

/// <summary>
/// Who may write what. Trusted builds (the default branch, nightly) write the shared scope; an untrusted build (a
/// pull request, a fork) reads its own scope and then the shared one, and writes only its own, so it can never
/// change what a trusted build reads. Objects are content-addressed and verified on read, so sharing them is safe;
/// the action entries that point at them are what the scopes separate.
/// </summary>
public sealed record CacheScope(string Name, bool Trusted)
{
    public const string Shared = "trusted";

    public static CacheScope TrustedScope { get; } = new(Shared, Trusted: true);

    /// <summary><c>FARM_CACHE_SCOPE</c>: empty or <c>trusted</c> for the shared scope, any other name for an untrusted one.</summary>
    public static CacheScope Parse(string? text)
    {
        var name = (text ?? string.Empty).Trim();
        if (name.Length == 0 || name == Shared)
        {
            return TrustedScope;
        }

        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return new CacheScope("untrusted-" + safe, Trusted: false);
    }

    /// <summary>Scopes to read, in order.</summary>
    public IReadOnlyList<string> ReadScopes => Trusted ? [Shared] : [Name, Shared];

    public string WriteScope => Name;
}

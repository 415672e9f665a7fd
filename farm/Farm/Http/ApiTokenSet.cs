using System.Security.Cryptography;
using System.Text;
using Farm.Configuration;

namespace Farm.Http;

/// <summary>
/// The farm's API tokens, kept as hashes: a presented token is compared with every one in constant time. Each has an id
/// (the first bytes of its hash, safe to show and to put in a session cookie) and a session key derived from the secret,
/// so a session ends when its token is removed from the configuration.
/// </summary>
internal sealed class ApiTokenSet
{
    private readonly IReadOnlyList<Entry> _entries;

    public ApiTokenSet(IEnumerable<string> configured)
    {
        _entries = configured.Select(ApiToken.Parse).Select(t =>
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(t.Secret));
            return new Entry(t.Role, hash, Convert.ToHexStringLower(hash)[..16], SHA256.HashData(Encoding.UTF8.GetBytes("farm session v1\n" + t.Secret)));
        }).ToList();
    }

    /// <summary>The token's entry, or null; every configured token is compared, whichever matches.</summary>
    public Entry? Match(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        Entry? found = null;
        foreach (var entry in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(entry.Hash, hash))
            {
                found = entry;
            }
        }

        return found;
    }

    public Entry? ById(string id) => _entries.FirstOrDefault(e => e.Id == id);

    /// <summary>A configured token: its role, the hash of its secret, a public id and the key its sessions are signed with.</summary>
    internal sealed record Entry(FarmRole Role, byte[] Hash, string Id, byte[] SessionKey);
}

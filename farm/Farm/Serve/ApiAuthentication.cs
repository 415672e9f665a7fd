using Microsoft.AspNetCore.Http;
using System.Security.Cryptography;
using System.Text;

namespace Farm.Serve;

/// <summary>Bearer tokens for the API, compared in constant time; a request without a valid one gets 401 and changes nothing.</summary>
internal sealed class ApiAuthentication
{
    private readonly IReadOnlyList<byte[]> _tokens;

    public ApiAuthentication(IEnumerable<string> tokens) => _tokens = tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t))).ToList();

    public bool Allows(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        var allowed = false;
        foreach (var token in _tokens)
        {
            allowed |= CryptographicOperations.FixedTimeEquals(token, presented);
        }

        return allowed;
    }
}

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>The request line and headers of one HTTP/1.1 request, as the client sent them.</summary>
internal sealed record RequestHead(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The target without its query: what fault rules match on.</summary>
    public string Path => Target.Split('?', 2)[0];

    public bool WantsClose => Header("Connection") is { } connection && connection.Contains("close", StringComparison.OrdinalIgnoreCase);

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The next request's head, or null when the client closed the connection between requests.</summary>
    public static async Task<RequestHead?> ReadAsync(HttpConnectionReader reader, CancellationToken ct)
    {
        string? line;
        do
        {
            line = await reader.ReadLineAsync(ct);
            if (line is null)
            {
                return null;
            }
        }
        while (line.Length == 0); // RFC 9112 §2.2: ignore empty lines before a request line.

        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !parts[1].StartsWith('/'))
        {
            throw new InvalidDataException($"not an origin-form HTTP/1.x request line: '{line}'");
        }

        var headers = new List<KeyValuePair<string, string>>();
        while ((line = await reader.ReadLineAsync(ct)) is { Length: > 0 })
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new InvalidDataException($"not an HTTP header line: '{line}'");
            }

            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return line is null
            ? throw new EndOfStreamException("the client closed the connection inside a request head")
            : new RequestHead(parts[0], parts[1], headers);
    }
}

using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Farm.Core.Oci;

/// <summary>A content digest (<c>sha256:&lt;64 hex&gt;</c>): validated on construction, so no request carries a bad one.</summary>
public readonly partial record struct Digest
{
    private Digest(string value)
    {
        Value = value;
    }

    public string Value { get; }

    public string Hex => Value["sha256:".Length..];

    /// <summary>The OCI 1.1 referrers fallback tag and cosign's tag stem: <c>sha256-&lt;hex&gt;</c>.</summary>
    public string TagForm => "sha256-" + Hex;

    public static Digest Parse(string text) =>
        TryParse(text, out var digest) ? digest : throw new FormatException($"'{text}' is not a digest (expected sha256: and 64 lower-case hex digits)");

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null || !Pattern().IsMatch(text))
        {
            return false;
        }

        digest = new Digest(text);
        return true;
    }

    public static Digest Of(ReadOnlySpan<byte> content) => new("sha256:" + Convert.ToHexStringLower(SHA256.HashData(content)));

    public static Digest FromHash(byte[] sha256) => new("sha256:" + Convert.ToHexStringLower(sha256));

    public override string ToString() => Value;

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Pattern();
}

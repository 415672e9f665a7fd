using System.Text;

namespace Farm.Cache.Keys;

/// <summary>
/// The identity of one compile. Everything that can change the object is an explicit input, hashed with
/// <see cref="SchemaVersion"/> (bumped whenever the meaning of an input changes, which retires every old entry):
/// the compiler's own bytes, the source language, every shaping argument with the build's roots normalised
/// (output and dependency-file paths are not inputs), and the preprocessed input with its line markers normalised
/// (or, for plain assembly, the source's bytes). Paths inside string literals are not normalised: an object that
/// embeds a path must not be shared with a build at another path.
/// </summary>
public sealed record CacheKey(string CompilerIdentity, string Language, IReadOnlyList<string> Arguments, string InputDigest)
{
    // 2: the compiler's -ffile-prefix-map order changed (longest root last, so it wins as in the key's normalisation).
    public const int SchemaVersion = 2;

    /// <summary>The key as 64 hex digits.</summary>
    public string Compute()
    {
        var hash = new Sha256();
        void Add(string field, string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            hash.AppendData(Encoding.ASCII.GetBytes($"{field}:{bytes.Length}:"));
            hash.AppendData(bytes);
        }

        Add("schema", SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("compiler", CompilerIdentity);
        Add("language", Language);
        Add("arguments", Arguments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var argument in Arguments)
        {
            Add("argument", argument);
        }

        Add("input", InputDigest);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

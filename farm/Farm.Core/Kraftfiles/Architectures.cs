namespace Farm.Core.Kraftfiles;

/// <summary>The architectures Unikraft builds for; <c>amd64</c> is accepted for <c>x86_64</c>.</summary>
public static class Architectures
{
    public const string X8664 = "x86_64";
    public const string Arm64 = "arm64";
    public const string Arm = "arm";

    private static readonly Dictionary<string, string> Canonical = new(StringComparer.Ordinal)
    {
        [X8664] = X8664,
        ["amd64"] = X8664,
        [Arm64] = Arm64,
        [Arm] = Arm,
    };

    public static IReadOnlyCollection<string> Known { get; } = [X8664, Arm64, Arm];

    public static string? Canonicalize(string written) => Canonical.GetValueOrDefault(written);

    /// <summary>Common names from other tools, for a "did you mean" that edit distance would not find.</summary>
    internal static string? Suggest(string written) => written.ToLowerInvariant() switch
    {
        "aarch64" or "armv8" or "arm_64" => Arm64,
        "x86-64" or "x64" or "x86" or "amd64" => X8664,
        "arm32" or "armhf" or "armv7" or "arm_32" => Arm,
        var other => NearestWord.Find(other, Canonical.Keys) is { } near ? Canonical[near] : null,
    };
}

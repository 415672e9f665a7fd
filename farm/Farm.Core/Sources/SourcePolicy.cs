namespace Farm.Core.Sources;

/// <summary>
/// Which git URLs the farm may fetch, and which versions (refs, commits) it may ask for. A URL reaches git only
/// after <see cref="WhyNotAllowed"/> said nothing: it matches one of the allow-list's globs (<c>Farm__Sources__Allow__N</c>;
/// default <c>https://*</c>, <c>ssh://*</c>, <c>git@*</c>) and is not git syntax that runs a program (<c>ext::</c>, any
/// <c>transport::address</c>) or reads as an option (<c>--upload-pack=...</c>). The farm checks before it clones; the
/// worker checks again, since a job row in PostgreSQL is only as trusted as the database.
/// </summary>
public sealed class SourcePolicy
{
    /// <summary>The configuration key, as the .NET options pattern names it in the environment.</summary>
    public const string Setting = "Farm__Sources__Allow";

    public static readonly IReadOnlyList<string> DefaultPatterns = ["https://*", "ssh://*", "git@*"];

    public SourcePolicy(IEnumerable<string>? patterns = null)
    {
        var given = patterns?.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).ToList() ?? [];
        Patterns = given.Count > 0 ? given : DefaultPatterns;
    }

    /// <summary>The globs in force (<c>*</c> any text, <c>?</c> one character).</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>
    /// The git protocols the patterns can reach: git is run with <c>protocol.allow=never</c> and these re-allowed, so a
    /// redirect or a submodule cannot switch to another (<c>file</c> is only on when a <c>file://</c> pattern is listed).
    /// </summary>
    public IReadOnlyList<string> Protocols =>
        Patterns.Select(p => p.Contains("://", StringComparison.Ordinal) ? p[..p.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant() : "ssh")
            .Where(p => p is "https" or "http" or "ssh" or "git" or "file")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The policy of this process: <c>Farm__Sources__Allow__0..N</c> from the environment, else the default.</summary>
    public static SourcePolicy FromEnvironment()
    {
        var patterns = new List<string>();
        for (var i = 0; Environment.GetEnvironmentVariable($"{Setting}__{i}") is { Length: > 0 } pattern; i++)
        {
            patterns.Add(pattern);
        }

        return new SourcePolicy(patterns);
    }

    /// <summary>Null when git may fetch <paramref name="url"/>; else why not, naming the URL and the allow-list.</summary>
    public string? WhyNotAllowed(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Length == 0)
        {
            return "the URL is empty";
        }

        if (url.StartsWith('-'))
        {
            return $"'{url}' starts with '-': git would read it as an option";
        }

        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return $"'{Printable(url)}' holds spaces or control characters";
        }

        // git's remote-helper syntax (ext::sh -c ..., fd::, any transport::address) runs a helper program, whatever
        // the allow-list says; so does a host written as an option (ssh://-oProxyCommand=...).
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (url.Contains("::", StringComparison.Ordinal) && (scheme < 0 || url.IndexOf("::", StringComparison.Ordinal) < scheme))
        {
            return $"'{url}' names a git remote helper ('transport::address'), which runs a program";
        }

        if (scheme >= 0 && url[(scheme + 3)..].TrimStart('[').Split('@').Last().StartsWith('-'))
        {
            return $"'{url}' names a host starting with '-'";
        }

        return Patterns.Any(p => Matches(p, url))
            ? null
            : $"'{url}' is not allowed by {Setting} (allowed: {string.Join(", ", Patterns)})";
    }

    /// <summary>
    /// Null when <paramref name="version"/> (a branch, tag or commit) may be handed to git; else why not. Refused: a
    /// leading '-' (an option), spaces and control characters, and git's revision syntax (<c>..</c>, <c>~ ^ : ? * [ \ @{</c>),
    /// which no branch, tag or commit name holds.
    /// </summary>
    public static string? WhyNotAVersion(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var why = version switch
        {
            "" => "it is empty",
            _ when version.StartsWith('-') => "it starts with '-' and git would read it as an option",
            _ when version.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) => "it holds spaces or control characters",
            _ when version.Contains("..", StringComparison.Ordinal) || version.Contains("@{", StringComparison.Ordinal) => "it holds '..' or '@{', git's revision syntax",
            _ when version.IndexOfAny(['~', '^', ':', '?', '*', '[', '\\']) >= 0 => "it holds one of ~ ^ : ? * [ \\, git's revision syntax",
            _ => null,
        };
        return why is null ? null : $"version '{Printable(version)}' is not a branch, tag or commit name: {why}";
    }

    private static bool Matches(string pattern, string text)
    {
        // Iterative glob with backtracking to the last '*': linear enough for URL-sized inputs, no regex to escape.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}

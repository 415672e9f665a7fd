namespace Farm.GitHub.Oidc;

/// <summary>Glob patterns on refs and workflow refs: <c>*</c> matches any run of characters (including <c>/</c>), everything else itself.</summary>
internal static class Glob
{
    /// <summary>Whether all of <paramref name="text"/> matches; backtracking only to the last <c>*</c>, so the work is at most pattern × text, never exponential.</summary>
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                // Let the last star swallow one more character and try again from there.
                p = star + 1;
                t = ++resume;
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
}

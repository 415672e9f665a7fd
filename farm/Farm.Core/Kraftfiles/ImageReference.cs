using System.Text.RegularExpressions;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Qualifies an image reference as kraft's package manager does: a first path component without '.', ':' or
/// "localhost" is not a registry, so <c>base:latest</c> means <c>unikraft.org/base:latest</c>; no tag means
/// <c>latest</c>. Checked against the OCI distribution grammar so that a bad name fails here, not at the registry.
/// </summary>
public static partial class ImageReference
{
    public static bool TryQualify(string written, string defaultRegistry, out string qualified, out string error)
    {
        qualified = "";
        var text = written.Trim();
        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            text = text[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                error = $"'{digest}' is not a digest (expected sha256: and 64 hex digits)";
                return false;
            }
        }

        var slash = text.LastIndexOf('/');
        var colon = text.LastIndexOf(':');
        string? tag = null;
        if (colon > slash)
        {
            tag = text[(colon + 1)..];
            text = text[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                error = $"'{tag}' is not a valid tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')";
                return false;
            }
        }

        var firstSlash = text.IndexOf('/', StringComparison.Ordinal);
        var first = firstSlash < 0 ? "" : text[..firstSlash];
        var hasRegistry = first.Length > 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        var registry = hasRegistry ? first : defaultRegistry;
        var repository = hasRegistry ? text[(firstSlash + 1)..] : text;
        if (!RepositoryPattern().IsMatch(repository))
        {
            error = $"'{repository}' is not a valid image name (lowercase letters and digits, separated by '.', '_', '-' or '/')";
            return false;
        }

        if (hasRegistry && !RegistryPattern().IsMatch(registry))
        {
            error = $"'{registry}' is not a valid registry host[:port]";
            return false;
        }

        qualified = $"{registry}/{repository}" + (digest is null ? $":{tag ?? RuntimeReference.DefaultTag}" : (tag is null ? "" : $":{tag}") + $"@{digest}");
        error = "";
        return true;
    }

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryPattern();
}

using System.Text;

namespace Farm.Builds;

/// <summary>Repository paths made valid for a registry: lower case, and only <c>a-z 0-9 . _ - /</c> (anything else becomes <c>-</c>).</summary>
internal static class ImageName
{
    public static string Sanitise(string reference)
    {
        // The registry host keeps its port's colon; the path after it is what GitHub names may break.
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? string.Empty : reference[..(slash + 1)];
        var path = new StringBuilder();
        foreach (var c in reference[host.Length..].ToLowerInvariant())
        {
            path.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/' ? c : '-');
        }

        return host + path;
    }
}

using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Reads <c>unikraft</c>, <c>template</c> and each library: a short string or a map of source, version and kconfig.
/// </summary>
internal static class ComponentReader
{
    private static readonly string[] Keys = ["source", "version", "kconfig"];
    private static readonly string[] TemplateKeys = ["source", "version", "name", "kconfig"];

    public static Component? Read(ReadContext context, YamlNode node, string field, bool isTemplate = false)
    {
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                return null;
            case YamlScalar { Kind: ScalarKind.Text or ScalarKind.WholeNumber or ScalarKind.RealNumber } scalar:
                return FromShortString(context, scalar.Text, node.Start, KConfig.Empty);
            case YamlMapping map:
                return FromMap(context, map, field, isTemplate);
            default:
                context.Error(node, field, $"expected a version (e.g. stable), a source (a directory or URL) or a map of source, version and kconfig; found {node.KindName}");
                return null;
        }
    }

    /// <summary>
    /// kraft's short form: an existing local directory is the source; a URL with a host (or a file:// URL) is the source (its version
    /// from <c>?branch=</c>, <c>?tag=</c>, <c>?version=</c> or an <c>@ref</c> suffix); anything else is the version.
    /// </summary>
    public static Component FromShortString(ReadContext context, string text, Mark at, KConfig kconfig)
    {
        if (text.Length > 0 && IsLocalDirectory(context.Directory, text))
        {
            return new Component(text, null, kconfig, at);
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Host.Length > 0 || uri.IsFile) && text.Contains("://", StringComparison.Ordinal))
        {
            var version = QueryVersion(uri);
            var source = text;
            var atSign = uri.AbsolutePath.LastIndexOf('@');
            if (version is null && atSign > 0)
            {
                version = uri.AbsolutePath[(atSign + 1)..];
                source = text[..text.LastIndexOf('@')];
            }

            return new Component(source, version, kconfig, at);
        }

        return new Component(null, text, kconfig, at);
    }

    private static Component? FromMap(ReadContext context, YamlMapping map, string field, bool isTemplate)
    {
        var entries = context.Entries(map, field);
        var known = isTemplate ? TemplateKeys : Keys;
        context.WarnUnknownKeys(entries, field, known, isTemplate ? "a template" : "a component");
        string? source = null, version = null, name = null;
        var kconfig = KConfig.Empty;
        var ok = true;
        foreach (var entry in entries)
        {
            var path = ReadContext.Child(field, entry.Name);
            switch (entry.Name)
            {
                case "source":
                    source = context.Text(entry.Value, path, "a directory or a URL");
                    ok &= source is not null;
                    break;
                case "version":
                    version = context.Text(entry.Value, path, "a version (a branch, tag or commit, e.g. stable)");
                    ok &= version is not null;
                    break;
                case "name" when isTemplate:
                    name = context.Text(entry.Value, path, "the template's name");
                    break;
                case "kconfig":
                    kconfig = KConfigReader.Read(context, entry.Value, path);
                    break;
            }
        }

        if (!ok)
        {
            return null;
        }

        if (source is not null)
        {
            // A source written in short form may carry its own version (URL query or @ref); an explicit version wins.
            var parsed = FromShortString(context, source, map.Start, kconfig);
            return parsed with { Version = version ?? parsed.Version, Name = name };
        }

        return new Component(null, version, kconfig, map.Start) { Name = name };
    }

    private static string? QueryVersion(Uri uri)
    {
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && pair[..eq] is "branch" or "tag" or "version" && eq < pair.Length - 1)
            {
                return Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }

        return null;
    }

    private static bool IsLocalDirectory(string baseDirectory, string path)
    {
        try
        {
            return path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) < 0
                && System.IO.Directory.Exists(System.IO.Path.Combine(baseDirectory, path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}

using System.Text.RegularExpressions;

namespace Farm.Core.Oci;

/// <summary>
/// Where an image lives: <c>host[:port]/repo[:tag][@digest]</c> in a registry, or <c>oci:DIR[:TAG]</c> in an OCI
/// image layout directory (skopeo's syntax). Validated before any request: the registry answers a bad tag with a
/// 500 or a 404, never with a useful error.
/// </summary>
public sealed partial record OciReference
{
    public const string LayoutPrefix = "oci:";
    public const string DefaultTag = "latest";

    private OciReference()
    {
    }

    /// <summary>The registry host (with port), or null for a layout.</summary>
    public string? Registry { get; private init; }

    public string Repository { get; private init; } = string.Empty;

    /// <summary>The layout directory, for <c>oci:</c> references.</summary>
    public string? LayoutDirectory { get; private init; }

    public string? Tag { get; private init; }

    public Digest? Digest { get; private init; }

    public bool IsLayout => LayoutDirectory is not null;

    /// <summary>What a cosign signature's <c>docker-reference</c> names: <c>registry/repository</c>.</summary>
    public string Identity => IsLayout ? Repository : $"{Registry}/{Repository}";

    /// <summary>The tag or digest to resolve: the digest when both are given.</summary>
    public string Selector => Digest?.Value ?? Tag ?? DefaultTag;

    public OciReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    public OciReference WithDigest(Digest digest) => this with { Digest = digest };

    public override string ToString() => IsLayout
        ? $"{LayoutPrefix}{LayoutDirectory}:{Tag ?? Digest?.Value ?? DefaultTag}"
        : $"{Registry}/{Repository}" + (Tag is null ? string.Empty : $":{Tag}") + (Digest is { } d ? $"@{d}" : string.Empty);

    public static OciReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new FormatException(error);

    public static bool TryParse(string text, out OciReference reference, out string error)
    {
        reference = new OciReference();
        error = string.Empty;
        if (text.StartsWith(LayoutPrefix, StringComparison.Ordinal))
        {
            return TryParseLayout(text[LayoutPrefix.Length..], out reference, out error);
        }

        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Oci.Digest.TryParse(rest[(at + 1)..], out var parsed))
            {
                error = $"'{text}': '{rest[(at + 1)..]}' is not a digest (expected sha256: and 64 lower-case hex digits)";
                return false;
            }

            digest = parsed;
            rest = rest[..at];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            error = $"'{text}': name the registry, e.g. 127.0.0.1:5000/{rest} (or use oci:DIR:TAG for a layout directory)";
            return false;
        }

        var registry = rest[..slash];
        var path = rest[(slash + 1)..];
        string? tag = null;
        var colon = path.LastIndexOf(':');
        if (colon >= 0)
        {
            tag = path[(colon + 1)..];
            path = path[..colon];
        }

        if (!RegistryPattern().IsMatch(registry) || !(registry.Contains('.', StringComparison.Ordinal) || registry.Contains(':', StringComparison.Ordinal) || registry == "localhost"))
        {
            error = $"'{text}': '{registry}' is not a registry host[:port]";
            return false;
        }

        if (!IsValidRepository(path, out error) || (tag is not null && !IsValidTag(tag, out error)))
        {
            error = $"'{text}': {error}";
            return false;
        }

        reference = new OciReference { Registry = registry, Repository = path, Tag = tag ?? (digest is null ? DefaultTag : null), Digest = digest };
        return true;
    }

    public static bool IsValidTag(string tag, out string error)
    {
        error = TagPattern().IsMatch(tag) ? string.Empty : $"'{tag}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')";
        return error.Length == 0;
    }

    public static bool IsValidRepository(string repository, out string error)
    {
        error = repository.Length <= 255 && RepositoryPattern().IsMatch(repository)
            ? string.Empty
            : $"'{repository}' is not a valid repository name (lower-case letters and digits separated by '.', '_', '__', '-' or '/')";
        return error.Length == 0;
    }

    private static bool TryParseLayout(string rest, out OciReference reference, out string error)
    {
        reference = new OciReference();
        error = string.Empty;
        var directory = rest;
        string tag = DefaultTag;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0)
        {
            directory = rest[..colon];
            tag = rest[(colon + 1)..];
            if (!IsValidTag(tag, out error))
            {
                error = $"'oci:{rest}': {error}";
                return false;
            }
        }

        if (directory.Length == 0)
        {
            error = "'oci:': name the layout directory, e.g. oci:./out/image:latest";
            return false;
        }

        var full = Path.GetFullPath(directory);
        reference = new OciReference { LayoutDirectory = full, Repository = Path.GetFileName(full.TrimEnd('/')), Tag = tag };
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$")]
    private static partial Regex RegistryPattern();
}

using Farm.Core.IO;

namespace Farm.Core.Rootfs;

/// <summary>
/// Applies image layers, lowest first, onto one directory as the OCI image spec says: a <c>.wh.NAME</c> entry deletes
/// NAME from the layers below, a <c>.wh..wh..opq</c> entry empties its directory of what the layers below put
/// there, and the markers themselves never appear in the result. Each layer is extracted by
/// <see cref="SafeTarExtractor"/> (links kept as links, never written through), so a hostile layer cannot escape.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class LayerFlattener
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>Applies one layer (a tar, plain or gzip, seekable) on top of <paramref name="root"/>.</summary>
    public static ExtractionReport Apply(Stream layer, string root, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var full = Path.GetFullPath(root);
        Directory.CreateDirectory(full);

        // First the deletions the layer asks of the layers below, then its own entries: a layer may list a
        // directory's new files before the marker that empties it.
        var start = layer.Position;
        foreach (var name in EntryNames(layer))
        {
            if (SafeTarExtractor.RelativeName(name) is not { Length: > 0 } relative)
            {
                continue;
            }

            var directory = Path.GetDirectoryName(relative) ?? string.Empty;
            var file = Path.GetFileName(relative);
            if (file == OpaqueMarker)
            {
                Empty(Inside(full, directory));
            }
            else if (file.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                Delete(Inside(full, Path.Combine(directory, file[WhiteoutPrefix.Length..])));
            }
        }

        layer.Position = start;
        return SafeTarExtractor.Extract(layer, full, allowLinksOutside: true, include: relative => !Path.GetFileName(relative).StartsWith(WhiteoutPrefix, StringComparison.Ordinal), cancellationToken);
    }

    private static IEnumerable<string> EntryNames(Stream layer)
    {
        using var copy = new MemoryStream();
        layer.CopyTo(copy);
        copy.Position = 0;
        var input = copy.Length > 2 && copy.GetBuffer()[0] == 0x1f && copy.GetBuffer()[1] == 0x8b
            ? new System.IO.Compression.GZipStream(copy, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true)
            : (Stream)copy;
        using var reader = new System.Formats.Tar.TarReader(input, leaveOpen: true);
        var names = new List<string>();
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    /// <summary>A path under the root, or null when a symbolic link is on the way (a whiteout never follows one).</summary>
    private static string? Inside(string root, string relative)
    {
        var path = root;
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (new FileInfo(path).LinkTarget is not null && path != root)
            {
                return null;
            }

            path = Path.Combine(path, part);
        }

        return path;
    }

    private static void Empty(string? directory)
    {
        if (directory is null || !Directory.Exists(directory) || new DirectoryInfo(directory).LinkTarget is not null)
        {
            return;
        }

        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            Delete(entry.FullName);
        }
    }

    private static void Delete(string? path)
    {
        if (path is null)
        {
            return;
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}

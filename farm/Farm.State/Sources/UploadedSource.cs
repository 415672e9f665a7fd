using System.Security.Cryptography;
using Farm.Core.IO;

namespace Farm.State.Sources;

/// <summary>
/// A source uploaded as a tar (plain or gzip), unpacked once per content into <c>sources/tar/&lt;digest&gt;</c> of a
/// cache directory (by atomic rename, so concurrent unpackers never see half a tree). Extraction is safe: an
/// archive with any entry that would leave the directory or is not a plain file, directory or inside link is
/// refused whole, naming each such entry.
/// </summary>
public static class UploadedSource
{
    public static string Digest(byte[] archive) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(archive));

    /// <summary>The unpacked tree, or the refusals (path: reason) that stopped it.</summary>
    public static (string? Directory, IReadOnlyList<string> Refused) Unpack(byte[] archive, string cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var directory = Path.Combine(cacheDirectory, "sources", "tar", Digest(archive)["sha256:".Length..]);
        if (System.IO.Directory.Exists(directory))
        {
            return (directory, []);
        }

        var staging = $"{directory}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using var stream = new MemoryStream(archive, writable: false);
            var report = SafeTarExtractor.Extract(stream, staging, allowLinksOutside: false);
            if (report.Refused.Count > 0)
            {
                return (null, report.Refused.Select(r => $"{r.Path}: {r.Reason}").ToList());
            }

            try
            {
                System.IO.Directory.Move(staging, directory);
            }
            catch (IOException) when (System.IO.Directory.Exists(directory))
            {
                // Another process unpacked the same content first.
            }

            return (directory, []);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            return (null, [$"not a tar archive: {ex.Message}"]);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }
        }
    }
}

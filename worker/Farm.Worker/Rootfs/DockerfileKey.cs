using System.Security.Cryptography;
using System.Text;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;

namespace Farm.Worker.Rootfs;

/// <summary>
/// The layer cache's key for a Dockerfile rootfs: everything its result depends on. The Dockerfile's bytes, its
/// context (the Dockerfile's directory: every file's path, kind, executable bit and content; <c>.git</c> and
/// <c>.unikraft</c> left out), the digest of every base image its <c>FROM</c> lines name, and the platform it is built
/// for. A base image that cannot be pinned to a digest (an <c>ARG</c> in <c>FROM</c>, a registry that does not answer)
/// makes the Dockerfile uncacheable: a moved tag would otherwise serve a stale rootfs.
/// </summary>
internal static class DockerfileKey
{
    private const string Version = "farm-rootfs-dockerfile-v1";
    private static readonly HashSet<string> SkippedDirectories = [".git", ".unikraft"];

    public static async Task<(string? Key, string? WhyNot)> ComputeAsync(string dockerfile, string platform, RegistryClientOptions registry, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string field, string value) => hash.AppendData(Encoding.UTF8.GetBytes($"{field}\0{value.Length}\0{value}\n"));

        Add("version", Version);
        Add("platform", platform);
        var text = await File.ReadAllTextAsync(dockerfile, cancellationToken).ConfigureAwait(false);
        Add("dockerfile", text);
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (image, stage) in BaseImages(text))
        {
            if (!stages.Contains(image) && !image.Equals("scratch", StringComparison.OrdinalIgnoreCase))
            {
                var (digest, why) = await ResolveAsync(image, registry, cancellationToken).ConfigureAwait(false);
                if (digest is null)
                {
                    return (null, why);
                }

                Add("from", $"{image}@{digest}");
            }

            if (stage is not null)
            {
                stages.Add(stage);
            }
        }

        AddContext(hash, Path.GetDirectoryName(Path.GetFullPath(dockerfile))!);
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), null);
    }

    /// <summary>The image and stage name of each <c>FROM [--flag...] image [AS name]</c> line, in order.</summary>
    public static IEnumerable<(string Image, string? Stage)> BaseImages(string dockerfile)
    {
        // Continuation lines are joined first, as the Dockerfile parser does.
        foreach (var raw in dockerfile.Replace("\\\r\n", " ", StringComparison.Ordinal).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        {
            var words = raw.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !words[0].Equals("FROM", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rest = words.Skip(1).SkipWhile(w => w.StartsWith("--", StringComparison.Ordinal)).ToArray();
            if (rest.Length == 0)
            {
                continue;
            }

            var stage = rest.Length >= 3 && rest[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? rest[2] : null;
            yield return (rest[0], stage);
        }
    }

    private static async Task<(string? Digest, string? WhyNot)> ResolveAsync(string image, RegistryClientOptions registry, CancellationToken cancellationToken)
    {
        if (image.Contains('$', StringComparison.Ordinal))
        {
            return (null, $"FROM {image} depends on a build argument");
        }

        if (!OciReference.TryParse(image, out var reference, out _) || reference.IsLayout)
        {
            return (null, $"FROM {image} names no registry this worker can ask for its digest");
        }

        if (reference.Digest is { } pinned)
        {
            return (pinned.Value, null);
        }

        try
        {
            var repository = OciRepositories.Open(reference, registry with { Insecure = registry.Insecure || RegistryClient.IsLoopback(reference.Registry!) });
            return await repository.TryGetManifestAsync(reference.Selector, cancellationToken).ConfigureAwait(false) is { } manifest
                ? (Digest.Of(manifest.Bytes).Value, null)
                : (null, $"FROM {image}: no such image");
        }
        catch (Exception ex) when (ex is RegistryException or HttpRequestException or IOException or OciFormatException)
        {
            return (null, $"FROM {image}: its digest could not be resolved ({ex.Message})");
        }
    }

    private static void AddContext(IncrementalHash hash, string root)
    {
        var entries = new List<(string Relative, string Full)>();
        void Walk(string directory)
        {
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                if (entry is DirectoryInfo && entry.LinkTarget is null)
                {
                    if (!SkippedDirectories.Contains(entry.Name))
                    {
                        entries.Add((relative + "/", entry.FullName));
                        Walk(entry.FullName);
                    }
                }
                else
                {
                    entries.Add((relative, entry.FullName));
                }
            }
        }

        Walk(root);
        foreach (var (relative, full) in entries.OrderBy(e => e.Relative, StringComparer.Ordinal))
        {
            var info = new FileInfo(full);
            string what;
            if (info.LinkTarget is { } target)
            {
                what = $"link {target}";
            }
            else if (relative.EndsWith('/'))
            {
                what = "dir";
            }
            else
            {
                using var stream = File.OpenRead(full);
                var executable = (File.GetUnixFileMode(full) & UnixFileMode.UserExecute) != 0;
                what = $"file {(executable ? "x" : "-")} {Convert.ToHexStringLower(SHA256.HashData(stream))}";
            }

            hash.AppendData(Encoding.UTF8.GetBytes($"context\0{relative}\0{what}\n"));
        }
    }
}

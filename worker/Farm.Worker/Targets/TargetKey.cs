using System.Security.Cryptography;
using System.Text;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.State.Sources;

namespace Farm.Worker.Targets;

/// <summary>
/// The target-level cache key: everything that decides what a target's kernel is and whether it passes its smoke
/// test. Resolved sources by commit and tree (git) or by content (a local directory: every file's path, mode and
/// bytes, leaving out <c>.git</c> and <c>.unikraft</c>), the merged kconfig, the compiler by content, the smoke
/// expectation and the farm's own version. Same key, same kernel: the build is skipped.
/// </summary>
internal static class TargetKey
{
    private const string Schema = "farm-target-1";
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal) { ".git", ".unikraft" };

    /// <param name="initrd">The target's initrd, when the Kraftfile has a rootfs: the smoke test ran with it.</param>
    public static string Compute(Kraftfile kraftfile, TargetJob job, ResolvedSources sources, Toolchain toolchain, string compilerIdentity, string builder, byte[]? initrd = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string field, string? value)
        {
            var bytes = Encoding.UTF8.GetBytes(value ?? "\u0000");
            hash.AppendData(Encoding.ASCII.GetBytes($"{field}:{bytes.Length}:"));
            hash.AppendData(bytes);
        }

        Add("schema", Schema);
        Add("farm", typeof(TargetKey).Assembly.GetName().Version?.ToString());
        Add("builder", builder);
        Add("target", job.Target);
        Add("platform", job.Platform);
        Add("architecture", job.Architecture);
        foreach (var (name, value) in job.KConfig)
        {
            Add("kconfig", $"{name}={value}");
        }

        Add("compiler", compilerIdentity);
        Add("cross", toolchain.CrossCompile);
        Add("smoke.expect", kraftfile.Farm.Smoke.Expect);
        Add("smoke.timeout", kraftfile.Farm.Smoke.Timeout?.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("smoke.exit", kraftfile.Farm.Smoke.Exit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("smoke.http", kraftfile.Farm.Smoke.Http is { } http ? $"{http.Port}:{http.Expect}" : null);
        Add("cmd", string.Join('\u0000', kraftfile.Cmd));
        Add("initrd", initrd is null ? null : Convert.ToHexStringLower(SHA256.HashData(initrd)));
        foreach (var component in new[] { sources.Core, sources.Application }.Concat(sources.Libraries))
        {
            Add("component", component.Name);
            Add("content", component.Tree ?? component.Commit ?? DirectoryDigest(component.Directory));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A directory's content: sorted relative paths, executable bit and bytes (symlinks by their target).</summary>
    public static string DirectoryDigest(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var root = new DirectoryInfo(directory);
        foreach (var file in Files(root).OrderBy(f => Path.GetRelativePath(root.FullName, f.FullName), StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root.FullName, file.FullName);
            var executable = (file.UnixFileMode & UnixFileMode.UserExecute) != 0;
            var content = file.LinkTarget is { } link
                ? "link:" + link
                : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file.FullName)));
            hash.AppendData(Encoding.UTF8.GetBytes($"{relative}\u0000{(executable ? 'x' : '-')}\u0000{content}\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static IEnumerable<FileInfo> Files(DirectoryInfo directory)
    {
        foreach (var file in directory.EnumerateFiles())
        {
            yield return file;
        }

        foreach (var child in directory.EnumerateDirectories())
        {
            if (SkippedDirectories.Contains(child.Name) || child.LinkTarget is not null)
            {
                continue;
            }

            foreach (var file in Files(child))
            {
                yield return file;
            }
        }
    }
}

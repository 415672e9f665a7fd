namespace Farm.Cache.Keys;

/// <summary>
/// A compiler identified by the SHA-256 of its executable, computed once per path, size and mtime and remembered in
/// <c>compilers.tsv</c> under the cache directory (hashing gcc on every compile would cost more than a hit saves).
/// </summary>
public static class CompilerIdentity
{
    /// <param name="searchPath">The compile's <c>PATH</c> (the resident helper serves other processes' compiles); null: this process's.</param>
    public static string? Resolve(string compiler, string? searchPath = null) =>
        compiler.Contains('/', StringComparison.Ordinal)
            ? (File.Exists(compiler) ? Path.GetFullPath(compiler) : null)
            : (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, compiler)).FirstOrDefault(File.Exists);

    public static string? Of(string compiler, string cacheDirectory, string? searchPath = null)
    {
        if (Resolve(compiler, searchPath) is not { } path)
        {
            return null;
        }

        var real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        var info = new FileInfo(real);
        var stamp = $"{real}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}";
        var memo = Path.Combine(cacheDirectory, "compilers.tsv");
        try
        {
            if (File.Exists(memo))
            {
                foreach (var line in File.ReadLines(memo))
                {
                    if (line.StartsWith(stamp + "\t", StringComparison.Ordinal))
                    {
                        return line[(stamp.Length + 1)..];
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A memo being rewritten (or not readable) is read again next time; hashing is the fallback.
        }

        var identity = Sha256.Hex(File.ReadAllBytes(real));
        try
        {
            Directory.CreateDirectory(cacheDirectory);
            _ = Stats.AppendOnlyFile.TryAppend(memo, System.Text.Encoding.UTF8.GetBytes($"{stamp}\t{identity}\n"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The memo is an optimisation.
        }

        return identity;
    }
}

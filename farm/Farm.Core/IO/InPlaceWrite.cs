using System.Text;

namespace Farm.Core.IO;

/// <summary>
/// Writes a file whole where its destination may come from a user (an output directory, a compiler's <c>-o</c>, a
/// Kraftfile, a cache directory), without ever destroying what is there when it is not a regular file. Renaming a
/// staging file over <c>/dev/null</c> turns the host's <c>/dev/null</c> into a regular file, and a copy onto a
/// symbolic link writes wherever the link points. So a destination that exists and is not a regular file (a
/// device, fifo, socket, directory or symbolic link) is refused with <see cref="RefusedWriteException"/>; otherwise
/// the bytes go to a staging file beside it, created with <see cref="FileMode.CreateNew"/> (<c>O_EXCL</c>: a link
/// planted under that name fails the create rather than being followed) under an unpredictable name, and are renamed
/// into place, so a reader sees the old file or the new one, never half. The destination is checked again just before
/// the rename; what remains is a race with someone who can create nodes in the destination's directory.
/// </summary>
public static class InPlaceWrite
{
    /// <summary>Null when <paramref name="path"/> may be written (absent or a regular file), else what it is.</summary>
    public static FileKind? Refusal(string path) => FileKinds.Of(path) is var kind && kind is FileKind.Absent or FileKind.Regular ? null : kind;

    /// <summary>Throws <see cref="RefusedWriteException"/> when <paramref name="path"/> exists and is not a regular file.</summary>
    public static void EnsureWritable(string path)
    {
        if (Refusal(path) is { } kind)
        {
            throw new RefusedWriteException(path, kind);
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var staging = CreateStaging(path, mode: null, out var stream);
        var committed = false;
        try
        {
            using (stream)
            {
                stream.Write(bytes);
            }

            committed = Commit(staging, path);
        }
        finally
        {
            DeleteUnlessCommitted(staging, committed);
        }
    }

    public static Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        WriteAsync(path, (stream, ct) => stream.WriteAsync(bytes, ct).AsTask(), cancellationToken);

    /// <summary>UTF-8 without a byte-order mark, as <see cref="File.WriteAllTextAsync(string, string?, CancellationToken)"/> writes.</summary>
    public static Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteAllBytesAsync(path, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>The file <paramref name="write"/> produces, in place only once it returned.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken, UnixFileMode? mode = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        var staging = CreateStaging(path, mode, out var stream);
        var committed = false;
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
            }

            committed = Commit(staging, path);
        }
        finally
        {
            DeleteUnlessCommitted(staging, committed);
        }
    }

    /// <summary>A copy of <paramref name="source"/> (followed when a link: it is ours to read) with its permissions.</summary>
    public static void Copy(string source, string destination)
    {
        var staging = CreateStaging(destination, SourceMode(source), out var stream);
        var committed = false;
        try
        {
            using (stream)
            using (var input = File.OpenRead(source))
            {
                input.CopyTo(stream);
            }

            committed = Commit(staging, destination);
        }
        finally
        {
            DeleteUnlessCommitted(staging, committed);
        }
    }

    /// <inheritdoc cref="Copy"/>
    public static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var mode = SourceMode(source);
        await WriteAsync(
            destination,
            async (stream, ct) =>
            {
                await using var input = File.OpenRead(source);
                await input.CopyToAsync(stream, ct).ConfigureAwait(false);
            },
            cancellationToken,
            mode).ConfigureAwait(false);
    }

    /// <summary>
    /// A new, empty file at <paramref name="path"/> to stream into (a log that is read while it grows): a regular file
    /// there is removed first, and the create is <c>O_EXCL</c>, so nothing that is not a regular file is opened.
    /// </summary>
    public static FileStream CreateNew(string path)
    {
        EnsureWritable(path);
        File.Delete(path);
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
    }

    private static UnixFileMode? SourceMode(string source) => OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(source);

    private static string CreateStaging(string path, UnixFileMode? mode, out FileStream stream)
    {
        EnsureWritable(path);
        var full = Path.GetFullPath(path);
        // The create is O_EXCL, so the name needs to be unlikely, not secret: Random.Shared is seeded from the kernel without
        // loading OpenSSL, which RandomNumberGenerator costs a short-lived process such as farm-cc (a few ms per hit).
        var staging = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Random.Shared.NextInt64():x16}.partial");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (mode is { } unixMode && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = unixMode;
        }

        stream = new FileStream(staging, options);
        return staging;
    }

    // The staging file is the caller's to delete when this throws; true once it is renamed (nothing left to delete).
    private static bool Commit(string staging, string path)
    {
        EnsureWritable(path);
        File.Move(staging, path, overwrite: true);
        return true;
    }

    // After a rename the delete would only fail to find the name: a system call per write saved (farm-cc writes five per miss).
    private static void DeleteUnlessCommitted(string staging, bool committed)
    {
        if (!committed)
        {
            File.Delete(staging);
        }
    }
}

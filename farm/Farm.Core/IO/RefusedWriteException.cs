namespace Farm.Core.IO;

/// <summary>
/// A write refused because its destination exists and is not a regular file. An <see cref="IOException"/>, so that
/// code already treating a failed write as a failed build, a cache error or a miss does the same with this.
/// </summary>
public sealed class RefusedWriteException : IOException
{
    public RefusedWriteException(string path, FileKind kind)
        : base($"{path} is {FileKinds.Describe(kind)}, not a regular file: refusing to replace it or write through it")
    {
        Path = path;
        Kind = kind;
    }

    public string Path { get; }

    public FileKind Kind { get; }
}

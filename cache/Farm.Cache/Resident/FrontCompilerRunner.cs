using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Farm.Cache.Compilation;

namespace Farm.Cache.Resident;

/// <summary>
/// The compiler run by farm-cc-fast, in the build's own process tree: the helper sends <c>2</c> (run) and the
/// arguments, length-prefixed as in <see cref="HelperRequest"/>; the front runs them (stdout straight to the build,
/// stderr shown as it comes and kept) and sends back the exit code and the stderr, or the length
/// <see cref="uint.MaxValue"/> when the messages were longer than a request may be (then nothing is stored).
/// </summary>
public sealed class FrontCompilerRunner : ICompilerRunner
{
    public const byte RunCommand = 2;
    private readonly Socket _connection;
    private readonly Stream _stream;

    public FrontCompilerRunner(Socket connection, Stream stream)
    {
        _connection = connection;
        _stream = stream;
    }

    /// <summary>Whether the front ran a compiler: then it must not hand the compile to farm-cc again.</summary>
    public bool Ran { get; private set; }

    public (int ExitCode, string Stderr) Run(string compiler, IEnumerable<string> arguments, TextWriter stdout, TextWriter stderr, string workingDirectory)
    {
        using var message = new MemoryStream();
        message.WriteByte(RunCommand);
        var words = new List<string> { compiler };
        words.AddRange(arguments);
        Span<byte> count = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)words.Count);
        message.Write(count);
        foreach (var word in words)
        {
            var bytes = Encoding.UTF8.GetBytes(word);
            BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)bytes.Length);
            message.Write(count);
            message.Write(bytes);
        }

        _stream.Write(message.ToArray());
        _stream.Flush();
        // The compile takes what it takes; it ends when the front's compiler does, or the front goes (then the read fails).
        _connection.ReceiveTimeout = 0;
        Ran = true;
        var header = new byte[8];
        _stream.ReadExactly(header);
        var exitCode = BinaryPrimitives.ReadInt32LittleEndian(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > HelperRequest.MaxBytes)
        {
            throw new IOException("the compiler's messages were longer than the front keeps");
        }

        var messages = new byte[length];
        _stream.ReadExactly(messages);
        return (exitCode, Encoding.UTF8.GetString(messages));
    }
}

using System.Net.Sockets;
using Farm.Cache.Compilation;
using Farm.Cache.IO;
using Farm.Cache.Stats;
using Farm.Cache.Store;

namespace Farm.Cache.Resident;

/// <summary>
/// <c>farm-cc --serve SOCKET --idle SECONDS</c>: farm-cc kept warm for <c>farm-cc-fast</c>, which pays a C program's
/// start instead of a .NET process's (about 7 ms of CPU, more than half a ccache hit). With farm-cc's own code
/// (<see cref="CachedCompile.RunWithoutPreprocessor"/>) and the local disk only, it answers direct-mode hits, and has
/// the front run the compiler for depend-mode misses and uncacheable compiles; a compile keyed by its preprocessed
/// text is sent back to farm-cc. It serves until nothing has asked for <c>--idle</c> seconds, or until its socket is gone or
/// replaced (a second helper that won the start, a removed directory). At most one runs per socket: a helper that
/// finds another answering exits at once.
/// </summary>
public static class ResidentHelper
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>How long one connection may take to send its request or read the answer.</summary>
    private const int ConnectionTimeoutMilliseconds = 10_000;

    /// <summary>The include directories' header names, walked once and checked by a look at each directory after that.</summary>
    private static readonly HeaderListingMemo Listings = new();

    /// <summary>Serves until idle; returns the process's exit code (2: the socket's directory is not this user's alone).</summary>
    public static int Serve(string socketPath, TimeSpan idle, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        ArgumentNullException.ThrowIfNull(log);
        socketPath = Path.GetFullPath(socketPath);
        // Started from the first compile's build directory: not kept busy for as long as the helper lives.
        Directory.SetCurrentDirectory("/");
        if (DirectoryRefusal(Path.GetDirectoryName(socketPath)!) is { } refusal)
        {
            log.WriteLine($"farm-cc --serve: {socketPath}: {refusal}");
            return 2;
        }

        if (Answering(socketPath))
        {
            return 0;
        }

        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException)
        {
            return 0; // another helper bound it between the look and the bind
        }

        listener.Listen(512); // make -j of hundreds connecting at once
        Keys.Sha256.UsePlatform(); // loaded once here, not once per compile as in farm-cc
        // A miss holds its thread while the front compiles (seconds): with the pool's default of one thread per core,
        // make -j8 on two cores would queue hits behind compiles until the pool grew (a thread every half second).
        ThreadPool.SetMinThreads(256, 16);
        var bound = FileStatus.Of(socketPath);
        var lastAnswer = Environment.TickCount64;
        var busy = 0;
        while (true)
        {
            if (listener.Poll(Tick, SelectMode.SelectRead))
            {
                var connection = listener.Accept();
                Interlocked.Increment(ref busy);
                ThreadPool.UnsafeQueueUserWorkItem(
                    _ =>
                    {
                        Answer(connection);
                        Interlocked.Exchange(ref lastAnswer, Environment.TickCount64);
                        Interlocked.Decrement(ref busy);
                    },
                    null);
                continue;
            }

            var now = FileStatus.Of(socketPath);
            var replaced = now is null || now.Value.Inode != bound?.Inode || now.Value.Device != bound?.Device;
            var quiet = Volatile.Read(ref busy) == 0 && Environment.TickCount64 - Interlocked.Read(ref lastAnswer) > idle.TotalMilliseconds;
            if (replaced || quiet)
            {
                if (!replaced)
                {
                    File.Delete(socketPath);
                }

                // A compile that connected just before the socket went is sent to farm-cc, not left waiting.
                while (listener.Poll(TimeSpan.Zero, SelectMode.SelectRead))
                {
                    using var late = listener.Accept();
                    try
                    {
                        late.Send(HelperAnswer.FallBackBytes);
                    }
                    catch (SocketException)
                    {
                        // it gave up already
                    }
                }

                return 0;
            }
        }
    }

    /// <summary>Why the helper will not use the directory: it must be this user's, reachable by no one else, not a link.</summary>
    internal static string? DirectoryRefusal(string directory) =>
        FileStatus.Of(directory) switch
        {
            null => "the directory cannot be looked at",
            { Mode: var mode } when (mode & 0xF000) != 0x4000 => "not a directory (or a link to one)",
            { Owner: var owner } when owner != HelperPeer.EffectiveUserId() => "the directory belongs to another user",
            { Mode: var mode } when (mode & 0x3F) != 0 => "the directory is open to other users (it must be mode 0700)",
            _ => null,
        };

    /// <summary>Whether a helper answers on <paramref name="socketPath"/> (it accepts a connection).</summary>
    internal static bool Answering(string socketPath)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Answer(Socket connection)
    {
        using (connection)
        {
            try
            {
                connection.ReceiveTimeout = ConnectionTimeoutMilliseconds;
                connection.SendTimeout = ConnectionTimeoutMilliseconds;
                // Buffered: a request is some hundred short strings, each otherwise a receive call of its own.
                using var stream = new BufferedStream(new NetworkStream(connection, ownsSocket: false), 1 << 16);
                var answer = HelperPeer.Refusal(connection) is null && HelperRequest.Read(stream) is { } request
                    ? Answer(request, new FrontCompilerRunner(connection, stream))
                    : HelperAnswer.FallBackBytes;
                stream.Write(answer);
                stream.Flush();
            }
            catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
            {
                // The front gave up (its own timeout) or went away: it compiles through farm-cc.
            }
        }
    }

    /// <summary>
    /// The answer to one request: the compile done (a direct-mode hit written in place, a depend-mode miss or an
    /// uncacheable compile run by <paramref name="runner"/>, in the caller's process tree), or fall back. A compile the
    /// runner ran is never handed back: a failure after it is answered with the compiler's own exit code.
    /// </summary>
    internal static byte[] Answer(HelperRequest request, ICompilerRunner runner)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = CacheSettings.FromEnvironment(name => request.Environment.GetValueOrDefault(name));
        var compiler = request.Arguments[0];
        // Relative paths would be resolved against the helper's directory, not the compile's: farm-cc takes those. So
        // does a compile with Redis: a local miss must look there, and a miss be stored there, as farm-cc does.
        if (settings.Directory is not { } directory || !Path.IsPathRooted(directory) || settings.Socket is not null || settings.Redis is not null
            || (settings.TargetEvents is { } events && !Path.IsPathRooted(events))
            || (compiler.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(compiler)))
        {
            return HelperAnswer.FallBackBytes;
        }

        var counted = new CacheEvents(directory, settings.TargetEvents);
        var local = new LocalDiskTier(directory, settings.MaxSizeBytes);
        using var stderr = new StringWriter();
        try
        {
            var compile = new CachedCompile(settings, new TieredCache([local], counted, settings.ReadOnly), counted, TextWriter.Null, stderr, request.WorkingDirectory, local, runner)
            {
                Listings = Listings,
            };
            if (compile.RunWithoutPreprocessor(compiler, request.Arguments.Skip(1).ToList()) is not { } exitCode)
            {
                return HelperAnswer.FallBackBytes;
            }

            counted.Flush();
            return new HelperAnswer(exitCode, stderr.ToString()).ToBytes();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Before the compiler ran: farm-cc meets the same failure and handles it as it always does. After: the
            // front answers with the compiler's exit code (what farm-cc's fallback to a plain compile would give).
            return HelperAnswer.FallBackBytes;
        }
    }
}

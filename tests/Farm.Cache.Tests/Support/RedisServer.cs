using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Farm.Cache.Tests.Support;

/// <summary>
/// A real redis-server for one test, on a free 127.0.0.1 port, configured as the farm runs it (no persistence,
/// <c>maxmemory</c> with <c>allkeys-lru</c>). <see cref="Database"/> is a raw client for inspecting what the cache
/// wrote. Disposing kills the server and deletes its directory.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "redis-server";
    private const int StartAttempts = 5;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Process _process;
    private readonly StringBuilder _log;
    private readonly string _directory;
    private ConnectionMultiplexer? _client;

    private RedisServer(Process process, StringBuilder log, string directory, int port)
    {
        _process = process;
        _log = log;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as <c>FARM_CACHE_REDIS</c> carries it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>What redis-server printed so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A raw client of this server (not the cache's), created on first use.</summary>
    public IDatabase Database => Client.GetDatabase();

    /// <summary>Every key matching <paramref name="pattern"/>, as strings.</summary>
    public IReadOnlyList<string> Keys(string pattern = "*") =>
        Client.GetServer(Endpoint).Keys(pattern: pattern).Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();

    private ConnectionMultiplexer Client => _client ??= ConnectionMultiplexer.Connect(Endpoint);

    /// <summary>Starts redis-server and returns once it answers PING. Throws, naming what to do, when it is not installed.</summary>
    public static async Task<RedisServer> StartAsync(string maxMemory = "64mb", CancellationToken ct = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(
            $"'{Binary}' is not on PATH: run tests/install-packages.sh (it must install the Debian package redis-server), then run the tests again.");
        var directory = Directory.CreateTempSubdirectory("farm-redis-").FullName;
        for (var attempt = 1; ; attempt++)
        {
            var port = Loopback.PickFreePort();
            var log = new StringBuilder();
            var server = new RedisServer(Launch(binary, port, maxMemory, directory, log), log, directory, port);
            try
            {
                if (await server.WaitForPongAsync(ct))
                {
                    return server;
                }
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            var output = server.Log;
            server.Stop();
            server._process.Dispose();
            // Someone took the port between our pick and redis-server's bind: pick another.
            if (attempt < StartAttempts && output.Contains("Address already in use", StringComparison.Ordinal))
            {
                continue;
            }

            DeleteDirectory(directory);
            throw new InvalidOperationException($"{Binary} exited before answering PING on 127.0.0.1:{port}. Its output:\n{output}");
        }
    }

    /// <summary>Kills the server now, as a crash would (the cache's connections break mid-use).</summary>
    public void Kill()
    {
        Stop();
    }

    /// <summary>SIGSTOP: the server keeps its connections open and answers nothing, as a hung Redis does.</summary>
    public void Freeze() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal("-CONT");

    public async ValueTask DisposeAsync()
    {
        Thaw();
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        Stop();
        _process.Dispose();
        DeleteDirectory(_directory);
    }

    public override string ToString() => $"redis-server at {Endpoint}";

    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static Process Launch(string binary, int port, string maxMemory, string directory, StringBuilder log)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in (string[])[
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--maxmemory", maxMemory, "--maxmemory-policy", "allkeys-lru",
            "--dir", directory, "--daemonize", "no", "--logfile", ""])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        void Add(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.Append(line).Append('\n');
                }
            }
        }

        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>True once the server answers PING with PONG; false if it exited first.</summary>
    private async Task<bool> WaitForPongAsync(CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port, ct);
                var stream = tcp.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), ct);
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer, ct);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            catch (IOException)
            {
                // Closed on us while starting.
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{Binary} did not answer PING on {Endpoint} within {StartTimeout.TotalSeconds} s. Its output:\n{Log}");
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, Binary))
            .FirstOrDefault(File.Exists);

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

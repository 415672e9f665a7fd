using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// A real CNCF distribution registry (Debian <c>docker-registry</c>, 2.8) on a free 127.0.0.1 port, with its
/// filesystem storage in a temp directory of its own. Disposing kills it and deletes the directory.
/// </summary>
internal sealed class RegistryServer : IAsyncDisposable
{
    private const string Binary = "docker-registry";
    private const int StartAttempts = 5;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly Process _process;
    private readonly ProcessLog _log;
    private readonly string _directory;

    private RegistryServer(Process process, ProcessLog log, string directory, int port)
    {
        _process = process;
        _log = log;
        _directory = directory;
        Host = $"127.0.0.1:{port}";
        BaseUrl = new Uri($"http://{Host}");
    }

    /// <summary><c>127.0.0.1:PORT</c>, as a registry reference's host part.</summary>
    public string Host { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The registry's <c>storage.filesystem.rootdirectory</c>; blobs land under <c>docker/registry/v2</c> in it.</summary>
    public string StorageDirectory => Path.Combine(_directory, "storage");

    /// <summary>What the registry printed so far (warnings, errors and its access log), for failure messages.</summary>
    public string Log => _log.Text;

    /// <summary>
    /// Launches <c>docker-registry serve</c> and returns once it answers <c>GET /v2/</c> (200, or 401 in token mode).
    /// Throws when the package is missing (run tests/install-packages.sh) or the registry does not come up.
    /// </summary>
    public static async Task<RegistryServer> StartAsync(RegistryServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new RegistryServerOptions();
        if (options.LogLevel is not ("error" or "warn" or "info" or "debug"))
        {
            throw new ArgumentException($"RegistryServerOptions.LogLevel '{options.LogLevel}' is not one of error, warn, info, debug", nameof(options));
        }

        var binary = FindBinary() ?? throw new InvalidOperationException(
            $"'{Binary}' is not on PATH: run tests/install-packages.sh (it installs the Debian packages docker-registry and skopeo), then run the tests again.");
        var directory = Directory.CreateTempSubdirectory("farm-registry-").FullName;
        try
        {
            var storage = Directory.CreateDirectory(Path.Combine(directory, "storage")).FullName;
            TokenAuthSettings? tokenAuth = null;
            if (options.TokenAuth is { } tokenServer)
            {
                var bundle = Path.Combine(directory, "token-root.pem");
                await File.WriteAllTextAsync(bundle, tokenServer.CertificatePem, ct);
                tokenAuth = new TokenAuthSettings(tokenServer.Realm, bundle);
            }

            for (var attempt = 1; ; attempt++)
            {
                var port = Loopback.PickFreePort();
                var instanceId = Guid.NewGuid().ToString("N");
                var config = Path.Combine(directory, "config.yml");
                await File.WriteAllTextAsync(config, RegistryConfig.Render(port, storage, instanceId, RandomSecret(), options.LogLevel, tokenAuth), ct);

                var log = new ProcessLog();
                var server = new RegistryServer(Launch(binary, config, log), log, directory, port);
                bool ready;
                try
                {
                    ready = await server.WaitUntilAnsweringAsync(instanceId, acceptUnauthorized: tokenAuth is not null, options.StartTimeout, ct);
                }
                catch
                {
                    await server.StopProcessAsync();
                    throw;
                }

                if (ready)
                {
                    return server;
                }

                var exitCode = server._process.ExitCode;
                await server.StopProcessAsync();
                // Another process took the port between our pick and the registry's bind: pick again.
                if (attempt < StartAttempts && log.Text.Contains("address already in use", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new InvalidOperationException(
                    $"{Binary} exited with code {exitCode} before answering on {server.Host}. Its output:\n{log.Text}");
            }
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        DeleteDirectory(_directory);
    }

    public override string ToString() => $"docker-registry at {BaseUrl} (storage {StorageDirectory})";

    private static Process Launch(string binary, string config, ProcessLog log)
    {
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "serve", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // REGISTRY_* variables override the config file (REGISTRY_HTTP_ADDR, REGISTRY_AUTH...): none may leak in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("REGISTRY_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => log.Add(e.Data);
        process.ErrorDataReceived += (_, e) => log.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>True once our registry answers; false if it exited first. Answers without our instance header are someone else's.</summary>
    private async Task<bool> WaitUntilAnsweringAsync(string instanceId, bool acceptUnauthorized, TimeSpan timeout, CancellationToken ct)
    {
        using var http = Loopback.CreateHttpClient(TimeSpan.FromSeconds(2));
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
                using var response = await http.GetAsync(new Uri(BaseUrl, "/v2/"), ct);
                var ours = response.Headers.TryGetValues(RegistryConfig.InstanceHeader, out var values) && values.Contains(instanceId);
                var answered = response.StatusCode == HttpStatusCode.OK
                    || (acceptUnauthorized && response.StatusCode == HttpStatusCode.Unauthorized);
                if (ours && answered)
                {
                    return true;
                }

                if (ours)
                {
                    throw new InvalidOperationException($"{Binary} at {Host} answered GET /v2/ with {(int)response.StatusCode}. Its output:\n{Log}");
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // One probe timed out; the deadline below decides.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{Binary} did not answer GET {BaseUrl}v2/ within {timeout.TotalSeconds} s. Its output:\n{Log}");
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    private async Task StopProcessAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        catch (OperationCanceledException)
        {
            // Unkillable within 10 s: leave it rather than hang the test run.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string? FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, Binary))
            .FirstOrDefault(File.Exists);
    }

    private static string RandomSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a dying child: the OS temp cleaner gets it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The registry's stdout and stderr lines, in arrival order; written by the process's reader threads.</summary>
    private sealed class ProcessLog
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _text.Append(line).Append('\n');
            }
        }
    }
}

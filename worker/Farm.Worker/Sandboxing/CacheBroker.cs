using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Farm.Cache.Broker;
using Farm.Cache.Keys;
using Farm.Cache.Store;

namespace Farm.Worker.Sandboxing;

/// <summary>
/// The object cache as one sandboxed target build sees it: a Unix socket, bound into the sandbox, in front of the
/// worker's tiers (its disk, Redis). The scope is the broker's, fixed when the worker starts it for the build, never
/// the request's: an untrusted build reads its own scope and the shared one and writes only its own, so it can never
/// change what a trusted build reads. Every object written is hashed here, and an entry is deleted only when the
/// broker itself finds it corrupt. Tier errors are misses, as in farm-cc.
/// </summary>
internal sealed partial class CacheBroker : IAsyncDisposable
{
    private readonly CacheScope _scope;
    private readonly bool _readOnly;
    private readonly LocalDiskTier _local;
    private readonly IReadOnlyList<ICacheTier> _tiers;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errorEvents = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _answered = new(StringComparer.Ordinal);
    private int _refusals;
    private int _errors;

    private readonly Action<string> _log;

    private CacheBroker(string socketPath, CacheScope scope, bool readOnly, LocalDiskTier local, IReadOnlyList<ICacheTier> tiers, Action<string> log)
    {
        _log = log;
        SocketPath = socketPath;
        _scope = scope;
        _readOnly = readOnly;
        _local = local;
        _tiers = tiers;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(64);
        _accepting = Task.Run(AcceptAsync);
    }

    public string SocketPath { get; }

    /// <summary>Requests refused for their scope or content (an untrusted build trying to write the shared scope, say).</summary>
    public int Refusals => _refusals;

    /// <summary>Tier errors (Redis down, disk full), each a miss.</summary>
    public int Errors => _errors;

    /// <summary>The errors as cache event lines (<c>error TIER KIND</c>), for the target's counters.</summary>
    public IReadOnlyList<string> ErrorEvents => [.. _errorEvents];

    /// <summary>
    /// Which tier answered each lookup, as cache event lines (<c>answered TIER COUNT</c>): farm-cc in the sandbox sees
    /// only the broker, so the per-tier hits of a sandboxed build come from here.
    /// </summary>
    public IReadOnlyList<string> AnswerEvents => [.. _answered.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"answered {a.Key} {a.Value}")];

    /// <param name="directory">A private directory of the worker's for the socket; the sandbox binds the socket alone.</param>
    /// <param name="log">The target's log: the first error of each tier, then a count per minute.</param>
    public static CacheBroker Start(string directory, CacheScope scope, bool readOnly, string cacheDirectory, long maxSizeBytes, IReadOnlyList<ICacheTier> sharedTiers, Action<string>? log = null)
    {
        Directory.CreateDirectory(directory);
        var socket = Path.Combine(directory, "cache.sock");
        File.Delete(socket);
        var local = new LocalDiskTier(cacheDirectory, maxSizeBytes);
        return new CacheBroker(socket, scope, readOnly, local, [local, .. sharedTiers], log ?? (_ => { }));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(false);
        lock (_health)
        {
            foreach (var (tier, health) in _health.Where(h => h.Value.Unreported > 0))
            {
                _log($"farm: cache: {tier}: {health.Unreported} more errors since the last report (misses, the build went on)");
            }
        }

        File.Delete(SocketPath);
        Directory.Delete(Path.GetDirectoryName(SocketPath)!, recursive: true);
        _stop.Dispose();
        foreach (var tier in _tiers.OfType<IDisposable>())
        {
            tier.Dispose();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => Serve(client)));
            }
        }
    }

    private void Serve(Socket client)
    {
        using var connection = client;
        using var stream = new NetworkStream(client, ownsSocket: false);
        using var registration = _stop.Token.Register(() => client.Dispose());
        try
        {
            while (BrokerFrames.ReadRequest(stream) is { } request)
            {
                var (status, answer) = Handle(request.Operation, request.Scope, request.Key, request.Payload);
                BrokerFrames.WriteAnswer(stream, status, answer);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException or SocketException)
        {
            // A compile that went away, or a peer that does not speak the protocol: only its connection ends.
        }
    }

    internal (BrokerStatus Status, byte[] Answer) Handle(BrokerOperation operation, string scope, string key, byte[] payload)
    {
        if (!Name().IsMatch(key))
        {
            return Refuse($"'{Shorten(key)}' is not a cache key");
        }

        var mayRead = _scope.ReadScopes.Contains(scope);
        var mayWrite = !_readOnly && scope == _scope.WriteScope;
        return operation switch
        {
            BrokerOperation.GetAction when mayRead => Found(FirstAction(scope, key)),
            BrokerOperation.GetObject => Found(First(t => t.GetObject(key))),
            BrokerOperation.GetManifest when mayRead => Found(Try(_local, () => _local.GetManifest(scope, key))),
            BrokerOperation.PutAction when mayWrite && ActionEntry.TryParse(payload) is not null => Done(() => Each(t => t.PutAction(scope, key, payload))),
            BrokerOperation.PutObject when !_readOnly && Sha256.Hex(payload) == key => Done(() => Each(t => t.PutObject(key, payload))),
            BrokerOperation.PutManifest when mayWrite => Done(() => Try(_local, () => { _local.PutManifest(scope, key, payload); return true; })),
            BrokerOperation.DeleteAction when mayWrite => Done(() => Each(t => { if (t.GetAction(scope, key) is { } e && ActionEntry.TryParse(e) is null) { t.DeleteAction(scope, key); } })),
            BrokerOperation.DeleteObject => Done(() => Each(t => { if (t.GetObject(key) is { } o && Sha256.Hex(o) != key) { t.DeleteObject(key); } })),
            _ => Refuse($"{operation} in scope '{Shorten(scope)}' is not allowed for a build of scope {_scope.Name}"),
        };
    }

    /// <summary>An action entry from the first tier that has it, counted by that tier: the compile's hit came from there.</summary>
    private byte[]? FirstAction(string scope, string key)
    {
        foreach (var tier in _tiers)
        {
            if (Try(tier, () => tier.GetAction(scope, key)) is { } found)
            {
                _answered.AddOrUpdate(tier.Name, 1, (_, count) => count + 1);
                return found;
            }
        }

        return null;
    }

    private byte[]? First(Func<ICacheTier, byte[]?> read)
    {
        foreach (var tier in _tiers)
        {
            if (Try(tier, () => read(tier)) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private void Each(Action<ICacheTier> write)
    {
        foreach (var tier in _tiers)
        {
            Try(tier, () =>
            {
                write(tier);
                return true;
            });
        }
    }

    private static (BrokerStatus, byte[]) Found(byte[]? bytes) => bytes is null ? (BrokerStatus.Empty, []) : (BrokerStatus.Found, bytes);

    private static (BrokerStatus, byte[]) Done(Action action)
    {
        action();
        return (BrokerStatus.Empty, []);
    }

    private (BrokerStatus, byte[]) Refuse(string reason)
    {
        Interlocked.Increment(ref _refusals);
        return (BrokerStatus.Refused, Encoding.UTF8.GetBytes(reason));
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Name();
}

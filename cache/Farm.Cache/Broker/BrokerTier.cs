using System.Net.Sockets;
using Farm.Cache.Store;

namespace Farm.Cache.Broker;

/// <summary>
/// farm-cc's only tier inside the build sandbox: every read and write goes over the Unix socket the worker bound
/// into the sandbox (<c>FARM_CACHE_SOCKET</c>). The sandbox cannot open the cache directory, Redis or the registry;
/// the worker decides which scopes this build may read and write, whatever the request says. A refusal is an
/// exception, which the tiered cache counts as an error and turns into a miss.
/// </summary>
public sealed class BrokerTier : ICacheTier, IManifestStore, IDisposable
{
    private readonly string _socketPath;
    private Socket? _socket;
    private NetworkStream? _stream;

    public BrokerTier(string socketPath)
    {
        _socketPath = socketPath;
    }

    public string Name => "broker";

    public byte[]? GetAction(string scope, string key) => Ask(BrokerOperation.GetAction, scope, key, []);

    public void PutAction(string scope, string key, byte[] entry) => Ask(BrokerOperation.PutAction, scope, key, entry);

    public byte[]? GetObject(string digest) => Ask(BrokerOperation.GetObject, string.Empty, digest, []);

    public void PutObject(string digest, byte[] content) => Ask(BrokerOperation.PutObject, string.Empty, digest, content);

    public void DeleteAction(string scope, string key) => Ask(BrokerOperation.DeleteAction, scope, key, []);

    public void DeleteObject(string digest) => Ask(BrokerOperation.DeleteObject, string.Empty, digest, []);

    public byte[]? GetManifest(string scope, string key) => Ask(BrokerOperation.GetManifest, scope, key, []);

    public void PutManifest(string scope, string key, byte[] manifest) => Ask(BrokerOperation.PutManifest, scope, key, manifest);

    public void Dispose()
    {
        _stream?.Dispose();
        _socket?.Dispose();
    }

    private byte[]? Ask(BrokerOperation operation, string scope, string key, byte[] payload)
    {
        var stream = Connect();
        BrokerFrames.WriteRequest(stream, operation, scope, key, payload);
        var (status, answer) = BrokerFrames.ReadAnswer(stream);
        return status switch
        {
            BrokerStatus.Found => answer,
            BrokerStatus.Empty => null,
            _ => throw new UnauthorizedAccessException($"cache broker refused {operation}: {System.Text.Encoding.UTF8.GetString(answer)}"),
        };
    }

    private NetworkStream Connect()
    {
        if (_stream is not null)
        {
            return _stream;
        }

        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Connect(new UnixDomainSocketEndPoint(_socketPath));
        _stream = new NetworkStream(_socket, ownsSocket: false);
        return _stream;
    }
}

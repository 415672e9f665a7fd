using System.Net.Sockets;
using Npgsql;
using StackExchange.Redis;

namespace Farm.Operations;

/// <summary>PostgreSQL answers a query: the farm's state and its job queues are there.</summary>
internal sealed class PostgresReadiness(NpgsqlDataSource database) : IReadinessCheck
{
    public string Part => "postgres";

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public string Describe(Exception exception) => exception switch
    {
        NpgsqlException { InnerException: SocketException socket } => $"unreachable ({socket.SocketErrorCode})",
        PostgresException postgres => $"refused ({postgres.SqlState})",
        NpgsqlException => "unreachable",
        _ => $"failed ({exception.GetType().Name})",
    };
}

/// <summary>
/// Redis answers PING (<c>ConnectionStrings__Redis</c> on the farm: the object cache's hot tier its workers share). One
/// connection for the farm's life; it reconnects by itself once Redis is back.
/// </summary>
internal sealed class RedisReadiness(string configuration) : IReadinessCheck, IDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() =>
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = (int)ReadinessProbe.PartTimeout.TotalMilliseconds;
        options.SyncTimeout = options.AsyncTimeout = (int)ReadinessProbe.PartTimeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        return ConnectionMultiplexer.ConnectAsync(options);
    });

    public string Part => "redis";

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public string Describe(Exception exception) => exception switch
    {
        RedisConnectionException => "unreachable",
        RedisTimeoutException => "no answer",
        RedisServerException => "refused",
        _ => $"failed ({exception.GetType().Name})",
    };

    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Dispose();
        }
    }
}

/// <summary>
/// The registry (<c>Farm__Registry__Url</c>) answers the distribution API's base endpoint, <c>GET /v2/</c>: 200, or 401
/// with a challenge (it wants credentials, which the farm has); a 5xx or no answer is not ready.
/// </summary>
internal sealed class RegistryReadiness(Uri baseUri, HttpClient http) : IReadinessCheck, IDisposable
{
    public string Part => "registry";

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(baseUri, "/v2/"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Unauthorized))
        {
            throw new RegistryNotReadyException((int)response.StatusCode);
        }
    }

    public string Describe(Exception exception) => exception switch
    {
        RegistryNotReadyException status => $"answered {status.Status}",
        _ => NetworkFailure.Describe(exception),
    };

    public void Dispose() => http.Dispose();

    private sealed class RegistryNotReadyException(int status) : Exception($"GET /v2/ answered {status}")
    {
        public int Status { get; } = status;
    }
}

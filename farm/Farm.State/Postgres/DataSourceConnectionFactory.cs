using Hangfire.PostgreSql;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// Hangfire's connections from the process's own data source: one pool per process instead of two (Hangfire's
/// factory from a connection string has Npgsql's pool of its own), so an idle worker holds a few connections, not seven.
/// </summary>
internal sealed class DataSourceConnectionFactory(NpgsqlDataSource database) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => database.CreateConnection();
}

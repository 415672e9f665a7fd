using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// How the farm's processes connect to PostgreSQL. Without <c>No Reset On Close</c>, Npgsql sends <c>DISCARD ALL</c>
/// each time a pooled connection is taken again, a transaction of its own: measured, that was 44 % of the
/// transactions of an idle farm and worker (each heartbeat and sweep counted twice). The farm keeps no session state
/// on a pooled connection that a reset would have to clear: no <c>SET</c>, temporary tables, session advisory locks or
/// prepared statements of its own (migrations take transaction-level locks; Hangfire.PostgreSql locks by rows); the
/// LISTEN connection is held by <see cref="BuildChangeListener"/> and dropped when broken.
/// </summary>
public static class FarmConnections
{
    /// <summary><paramref name="connectionString"/> without the reset on reuse.</summary>
    public static string WithoutReset(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;

    /// <summary>The data source of a farm process (<see cref="WithoutReset"/>).</summary>
    public static NpgsqlDataSource Open(string connectionString) => NpgsqlDataSource.Create(WithoutReset(connectionString));
}

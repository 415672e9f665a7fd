using System.Data.Common;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// How the farm's processes connect to PostgreSQL. Without <c>No Reset On Close</c>, Npgsql sends <c>DISCARD ALL</c>
/// each time a pooled connection is taken again, a transaction of its own: measured, that was 44 % of the
/// transactions of an idle farm and worker (each heartbeat and sweep counted twice). The farm keeps no session state
/// on a pooled connection that a reset would have to clear: no <c>SET</c>, temporary tables, session advisory locks or
/// prepared statements of its own (migrations take transaction-level locks; Hangfire.PostgreSql locks by rows); the
/// LISTEN connection is held by <see cref="BuildChangeListener"/> and dropped when broken.
/// Idle connections are closed after <see cref="IdleLifetimeSeconds"/> (Npgsql's default is 300 s): a worker's
/// start and each build open a few at once, and 32 idle workers kept about seven each, more than a default
/// PostgreSQL's 100 connections. Each process names itself (<c>Application Name</c>) in <c>pg_stat_activity</c>.
/// A connection string that sets either keeps its own.
/// </summary>
public static class FarmConnections
{
    public const int IdleLifetimeSeconds = 30;

    /// <summary><paramref name="connectionString"/> without the reset on reuse.</summary>
    public static string WithoutReset(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;

    /// <summary>The data source of a farm process (<see cref="WithoutReset"/>), named <paramref name="applicationName"/> unless the connection string names it.</summary>
    public static NpgsqlDataSource Open(string connectionString, string? applicationName = null)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(WithoutReset(connectionString));
        if (!Sets(given, "Connection Idle Lifetime", "ConnectionIdleLifetime"))
        {
            builder.ConnectionIdleLifetime = IdleLifetimeSeconds;
        }

        if (applicationName is not null && !Sets(given, "Application Name", "ApplicationName"))
        {
            builder.ApplicationName = applicationName;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    private static bool Sets(DbConnectionStringBuilder given, params string[] keywords) => keywords.Any(given.ContainsKey);
}

using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Farm.State.Postgres;

/// <summary>
/// Hangfire's PostgreSQL storage as the farm and every worker use it. Sliding invisibility with a short timeout:
/// a killed worker's job is fetched again within the invisibility timeout (2 min by default), and a long build is never run
/// twice (the fetch is renewed while it runs). Plain polling (200 ms by default), not the 15 s
/// default nor LISTEN/NOTIFY (reference/integrations.md measured fetched-but-not-started stalls with long polling);
/// its cost is about 2 × servers / interval idle transactions per second.
/// </summary>
public static class FarmHangfireStorage
{
    /// <summary>The storage with the intervals of <paramref name="options"/> (<c>Farm__Hangfire__*</c>, checked at start-up).</summary>
    public static PostgreSqlStorage Create(string connectionString, Settings.HangfireOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(new NpgsqlConnectionFactory(connectionString, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions
        {
            QueuePollInterval = options.PollInterval,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = options.InvisibilityTimeout,
            PrepareSchemaIfNecessary = true,
            SchemaName = "hangfire",
        });
    }
}

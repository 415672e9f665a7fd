using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Farm.State.Postgres;

/// <summary>
/// Hangfire's PostgreSQL storage as the farm and every worker use it. Sliding invisibility with a short timeout:
/// a killed worker's job is fetched again within <see cref="InvisibilityTimeout"/>, and a long build is never run
/// twice (the fetch is renewed while it runs). Plain polling at <see cref="DefaultPollInterval"/>, not the 15 s
/// default nor LISTEN/NOTIFY (reference/integrations.md measured fetched-but-not-started stalls with long polling);
/// its cost is about 2 × servers / interval idle transactions per second.
/// </summary>
public static class FarmHangfireStorage
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan InvisibilityTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The storage with the intervals from the environment (<c>Farm__Hangfire__PollMilliseconds</c>, <c>Farm__Hangfire__InvisibilitySeconds</c>).</summary>
    public static PostgreSqlStorage Create(string connectionString) =>
        new(new NpgsqlConnectionFactory(connectionString, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions
        {
            QueuePollInterval = PollIntervalFromEnvironment(),
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = int.TryParse(Environment.GetEnvironmentVariable("Farm__Hangfire__InvisibilitySeconds"), out var seconds) && seconds >= 5 ? TimeSpan.FromSeconds(seconds) : InvisibilityTimeout,
            PrepareSchemaIfNecessary = true,
            SchemaName = "hangfire",
        });

    /// <summary><c>Farm__Hangfire__PollMilliseconds</c>, else the default.</summary>
    private static TimeSpan PollIntervalFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("Farm__Hangfire__PollMilliseconds"), out var ms) && ms >= 50 ? TimeSpan.FromMilliseconds(ms) : DefaultPollInterval;
}

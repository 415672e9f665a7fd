using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// The first contact of a starting process with the farm's database: the schema check (and migration), retried while
/// the failure is transient (a connection that timed out, was refused, or a server still starting) until
/// <c>wait</c> has passed. Thirty-two workers starting at once on a loaded 2-core machine each spent more than
/// Npgsql's 15 s connect timeout just getting CPU for their first connection, and 28 of them gave up for good.
/// A permanent failure (a wrong password, no such database) is not retried.
/// </summary>
public static class DatabaseStart
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    /// <param name="retrying">Told each transient failure and the delay before the next try.</param>
    /// <exception cref="NpgsqlException">The last failure: permanent, or transient past <paramref name="wait"/>.</exception>
    public static async Task MigrateAsync(NpgsqlDataSource database, TimeSpan wait, Action<string, TimeSpan> retrying, CancellationToken cancellationToken, params SchemaModule[] features)
    {
        ArgumentNullException.ThrowIfNull(retrying);
        var deadline = DateTimeOffset.UtcNow + wait;
        var delay = FirstRetry;
        while (true)
        {
            try
            {
                await FarmSchema.MigrateAsync(database, cancellationToken, features).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && DateTimeOffset.UtcNow + delay < deadline && !cancellationToken.IsCancellationRequested)
            {
                retrying(ex.Message, delay);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetry.Ticks));
        }
    }
}

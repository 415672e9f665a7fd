using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Farm.State.Postgres;

/// <summary>
/// Hangfire's PostgreSQL storage as the farm and every worker use it. Sliding invisibility with a short timeout:
/// a killed worker's job is fetched again once the invisibility timeout (2 min by default) has passed, and a long
/// build is never run twice (the fetch is renewed while it runs).
/// Pickup is woken, not polled (<c>Farm__Hangfire__Notify</c>, the default): a trigger on the job queue table NOTIFYs
/// the queue's name in the enqueuing transaction (<see cref="JobQueueSignal"/>), the process's one LISTEN connection
/// (<see cref="BuildChangeListener"/>) wakes one idle worker thread of that queue (<see cref="JobWakeup"/>), and a
/// slow fallback poll (10 s, one thread per server) covers what no row change announces: a job whose invisibility
/// timeout expired (picked up at most timeout + fallback after its worker died) and a NOTIFY lost while the listener
/// reconnected (every thread also fetches once on reconnect). Hangfire.PostgreSql's own long polling is not used:
/// it LISTENed after its fetch, so a NOTIFY between the two was lost and the job waited for the next one
/// (reference/integrations.md). With <c>Notify=false</c> every idle thread polls every <c>PollMilliseconds</c>.
/// </summary>
public static class FarmHangfireStorage
{
    private const string Schema = "hangfire";

    /// <summary>
    /// The storage for enqueueing and reading jobs, with the intervals of <paramref name="options"/>
    /// (<c>Farm__Hangfire__*</c>, checked at start-up). A server run on it polls; use <see cref="CreateServingAsync"/>.
    /// </summary>
    public static PostgreSqlStorage Create(string connectionString, Settings.HangfireOptions options) =>
        Create(new NpgsqlConnectionFactory(FarmConnections.WithoutReset(connectionString), new PostgreSqlStorageOptions()), options);

    private static PostgreSqlStorage Create(IConnectionFactory connections, Settings.HangfireOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(connections, new PostgreSqlStorageOptions
        {
            QueuePollInterval = options.PollInterval,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = options.InvisibilityTimeout,
            PrepareSchemaIfNecessary = true,
            SchemaName = Schema,
        });
    }

    /// <summary>
    /// The storage of a process whose Hangfire server fetches from <paramref name="queues"/>: woken by
    /// <paramref name="listener"/> (started here) unless <c>Notify=false</c>, its connections from the listener's data
    /// source (the process's one pool). Installs the job queue's trigger.
    /// </summary>
    public static async Task<PostgreSqlStorage> CreateServingAsync(Settings.HangfireOptions options, BuildChangeListener listener, IReadOnlyCollection<string> queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(queues);
        var storage = Create(new DataSourceConnectionFactory(listener.Database), options);
        // Installed even when this process polls: the others may be woken, and whoever enqueues must signal them.
        await JobQueueSignal.InstallAsync(listener.Database, Schema, cancellationToken).ConfigureAwait(false);
        if (options.Notify)
        {
            var plain = storage.QueueProviders.GetProvider(queues.First());
            storage.QueueProviders.Add(new WokenJobQueueProvider(storage, plain, Schema, options.InvisibilityTimeout, listener.Database, listener.Jobs, options.FallbackPoll), queues);
            listener.Start();
        }

        return storage;
    }
}

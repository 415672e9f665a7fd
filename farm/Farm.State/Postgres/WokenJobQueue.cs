using System.Data;
using System.Globalization;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// Hangfire.PostgreSql's job queue with a wake-up instead of a poll. The fetch is the package's own (one UPDATE of the
/// oldest visible row, <c>FOR UPDATE SKIP LOCKED</c>, its <c>fetchedat</c> set to now, so the sliding invisibility of
/// <see cref="PostgreSqlFetchedJob"/> renews and ends it as before); between fetches an idle thread sleeps in
/// <see cref="JobWakeup"/> until the queue's NOTIFY (<see cref="JobQueueSignal"/>), or a shared fallback poll.
/// Enqueueing is the package's own INSERT: the table's trigger signals, whichever process enqueues.
/// </summary>
internal sealed class WokenJobQueue(WokenJobQueueProvider provider) : IPersistentJobQueue
{
    private readonly string _fetch = $"""
        UPDATE "{provider.Schema}"."jobqueue" SET "fetchedat" = NOW()
        WHERE "id" = (
            SELECT "id" FROM "{provider.Schema}"."jobqueue"
            WHERE "queue" = ANY (@queues)
              AND ("fetchedat" IS NULL OR "fetchedat" < NOW() - make_interval(secs => @invisible))
            ORDER BY "fetchedat" NULLS FIRST, "queue", "jobid"
            FOR UPDATE SKIP LOCKED
            LIMIT 1)
        RETURNING "id", "jobid", "queue", "fetchedat"
        """;

    public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The ticket before the fetch: a NOTIFY arriving while the fetch runs makes the wait below return at once.
            var ticket = provider.Wakeup.Ticket(queues);
            if (Fetch(queues) is { } job)
            {
                // More may wait (one NOTIFY per queue and transaction): the next sleeping thread looks too.
                provider.Wakeup.Signal(job.Queue);
                return job;
            }

            provider.Wakeup.Wait(queues, ticket, provider.FallbackPoll, cancellationToken);
        }
    }

    public void Enqueue(IDbConnection connection, string queue, string jobId) =>
        provider.Plain.GetJobQueue().Enqueue(connection, queue, jobId);

    private PostgreSqlFetchedJob? Fetch(string[] queues)
    {
        using var command = provider.Database.CreateCommand(_fetch);
        command.Parameters.AddWithValue("queues", queues);
        command.Parameters.AddWithValue("invisible", provider.Invisibility.TotalSeconds);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        // id and jobid are int or bigint depending on the package's schema version.
        var jobId = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        return new PostgreSqlFetchedJob(provider.Storage, Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), jobId, reader.GetString(2), reader.GetDateTime(3));
    }
}

/// <summary>
/// Hands Hangfire a <see cref="WokenJobQueue"/> for the queues it was registered with. Enqueueing and the dashboard's
/// counts are the package's <paramref name="plain"/> provider's.
/// </summary>
internal sealed class WokenJobQueueProvider(PostgreSqlStorage storage, IPersistentJobQueueProvider plain, string schema, TimeSpan invisibility, NpgsqlDataSource database, JobWakeup wakeup, TimeSpan fallbackPoll) : IPersistentJobQueueProvider
{
    public PostgreSqlStorage Storage => storage;

    public IPersistentJobQueueProvider Plain => plain;

    public string Schema => schema;

    public TimeSpan Invisibility => invisibility;

    public NpgsqlDataSource Database => database;

    public JobWakeup Wakeup => wakeup;

    public TimeSpan FallbackPoll => fallbackPoll;

    public IPersistentJobQueue GetJobQueue() => new WokenJobQueue(this);

    public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => new Monitoring(plain.GetJobQueueMonitoringApi());
    /// <summary>The package's own, except that it lists no queue: the default provider already lists every queue of the table, and the dashboard would show these twice.</summary>
    private sealed class Monitoring(IPersistentJobQueueMonitoringApi inner) : IPersistentJobQueueMonitoringApi
    {
        public IEnumerable<string> GetQueues() => [];

        public IEnumerable<long> GetEnqueuedJobIds(string queue, int from, int perPage) => inner.GetEnqueuedJobIds(queue, from, perPage);

        public IEnumerable<long> GetFetchedJobIds(string queue, int from, int perPage) => inner.GetFetchedJobIds(queue, from, perPage);

        public EnqueuedAndFetchedCountDto GetEnqueuedAndFetchedCount(string queue) => inner.GetEnqueuedAndFetchedCount(queue);
    }
}

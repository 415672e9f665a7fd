using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// The trigger on Hangfire's job queue table that NOTIFYs <see cref="Channel"/> with the queue's name when a job
/// becomes fetchable by an event: a row inserted (enqueued) or its fetch cleared (a job requeued by a stopping
/// server). It runs in the enqueuing transaction, so the NOTIFY is delivered only if the job commits, after it. A
/// fetch whose invisibility timeout expires (a killed worker's job) changes no row, so no NOTIFY: the fallback poll
/// of <see cref="WokenJobQueue"/> finds it, at most one poll interval after the timeout.
/// Installed at start-up after Hangfire made its schema (not a <see cref="FarmSchema"/> module: the table is
/// Hangfire's, made after the farm's migrations), idempotently, under a lock so starting processes do not race.
/// </summary>
public static class JobQueueSignal
{
    public const string Channel = "farm_jobs";

    private const long InstallLock = 0x6661726A; // "farj"

    public static async Task InstallAsync(NpgsqlDataSource database, string schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(
            $$"""
            SELECT pg_advisory_xact_lock({{InstallLock}});
            CREATE OR REPLACE FUNCTION "{{schema}}".farm_notify_job() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                PERFORM pg_notify('{{Channel}}', NEW.queue);
                RETURN NULL;
            END $fn$;
            CREATE OR REPLACE TRIGGER farm_jobqueue_notify AFTER INSERT OR UPDATE OF fetchedat ON "{{schema}}".jobqueue
                FOR EACH ROW WHEN (NEW.fetchedat IS NULL) EXECUTE FUNCTION "{{schema}}".farm_notify_job();
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

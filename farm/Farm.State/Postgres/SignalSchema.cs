namespace Farm.State.Postgres;

/// <summary>
/// The triggers that NOTIFY the farm's listeners (<see cref="BuildChangeListener"/>) of a target's new state and of new
/// log lines. Triggers, not NOTIFY statements beside each write: every writer (workers, the farm, recovery, deadlines)
/// signals, and the NOTIFY is part of the writing transaction, so it is delivered only if the write commits, after it.
/// The payload is the build id only (the farm made it); listeners re-read the rows, so no user text travels in it.
/// Log lines are signalled once per statement and build, whatever the number of lines.
/// </summary>
public static class SignalSchema
{
    public const string TargetsChannel = "farm_targets";
    public const string LogsChannel = "farm_logs";

    public static readonly SchemaModule Module = new("signals",
    [
        $$"""
        CREATE OR REPLACE FUNCTION farm.notify_target_state() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('{{TargetsChannel}}', NEW.build_id);
            RETURN NULL;
        END $fn$;
        CREATE OR REPLACE TRIGGER targets_state_notify AFTER UPDATE OF state ON farm.targets
            FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION farm.notify_target_state();
        CREATE OR REPLACE FUNCTION farm.notify_log_lines() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('{{LogsChannel}}', build_id) FROM (SELECT DISTINCT build_id FROM appended) AS builds;
            RETURN NULL;
        END $fn$;
        CREATE OR REPLACE TRIGGER logs_notify AFTER INSERT ON farm.logs
            REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION farm.notify_log_lines();
        """,
    ]);
}

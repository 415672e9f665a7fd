using Farm.State.Postgres;

namespace Farm.Operations;

/// <summary>The indexes a scrape reads completions through (what started or finished since the last one), not a scan of every target.</summary>
internal static class OperationsSchema
{
    public static readonly SchemaModule Module = new("operations",
    [
        """
        CREATE INDEX IF NOT EXISTS targets_started_at ON farm.targets (started);
        CREATE INDEX IF NOT EXISTS targets_finished_at ON farm.targets (finished);
        CREATE INDEX IF NOT EXISTS builds_finished_at ON farm.builds (finished);
        """,
    ]);
}

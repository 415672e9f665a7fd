using Farm.State.Postgres;

namespace Farm.Catalog;

/// <summary>The nightly catalog's tables: each rebuild run and the build it started per Kraftfile.</summary>
internal static class CatalogSchema
{
    public static readonly SchemaModule Module = new("catalog",
    [
        """
        CREATE TABLE farm.catalog_runs (
            id text PRIMARY KEY,
            started timestamptz NOT NULL,
            repository text NOT NULL,
            trigger text NOT NULL,
            commit text,
            error text);
        CREATE TABLE farm.catalog_builds (
            run_id text NOT NULL REFERENCES farm.catalog_runs(id) ON DELETE CASCADE,
            kraftfile text NOT NULL,
            build_id text,
            error text,
            PRIMARY KEY (run_id, kraftfile));
        """,
    ]);
}

using Farm.State.Postgres;

namespace Farm.GitHub;

/// <summary>The GitHub App's tables: webhook deliveries, the builds they started and the check runs reported for them.</summary>
internal static class GitHubSchema
{
    public static readonly SchemaModule Module = new("github",
    [
        """
        CREATE TABLE farm.github_deliveries (
            id text PRIMARY KEY,
            event text NOT NULL,
            received timestamptz NOT NULL,
            payload text NOT NULL,
            outcome text);
        CREATE TABLE farm.github_builds (
            build_id text PRIMARY KEY REFERENCES farm.builds(id) ON DELETE CASCADE,
            installation_id bigint,
            owner text NOT NULL,
            repo text NOT NULL,
            clone_url text NOT NULL,
            head_sha text NOT NULL,
            kraftfile text NOT NULL);
        CREATE TABLE farm.github_check_runs (
            build_id text NOT NULL REFERENCES farm.builds(id) ON DELETE CASCADE,
            target text NOT NULL,
            check_run_id bigint NOT NULL,
            status text NOT NULL,
            PRIMARY KEY (build_id, target));
        """,
        // GitHub's signature covers the body, not the delivery id: a signed body replayed under a new id is the same
        // delivery. Deliveries recorded before keep their hash only for the first of each body (a replay already
        // recorded would otherwise stop the unique index, and the farm, from starting).
        """
        ALTER TABLE farm.github_deliveries ADD COLUMN body_sha256 text;
        UPDATE farm.github_deliveries d SET body_sha256 = f.hash
        FROM (SELECT DISTINCT ON (hash) id, hash
              FROM (SELECT id, received, encode(sha256(convert_to(payload, 'UTF8')), 'hex') AS hash FROM farm.github_deliveries) h
              ORDER BY hash, received, id) f
        WHERE d.id = f.id;
        CREATE UNIQUE INDEX github_deliveries_by_body ON farm.github_deliveries (body_sha256);
        """,
    ]);
}

using Npgsql;

namespace Farm.Catalog;

/// <summary>Catalog rebuilds (PostgreSQL): each run, the commit it built, and the build (or the error) of each Kraftfile.</summary>
internal sealed class CatalogStore
{
    private readonly NpgsqlDataSource _database;

    public CatalogStore(NpgsqlDataSource database) => _database = database;

    public async Task StartRunAsync(string id, string repository, string trigger, string? commit, string? error, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("INSERT INTO farm.catalog_runs (id, started, repository, trigger, commit, error) VALUES ($1, now(), $2, $3, $4, $5)");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(repository);
        command.Parameters.AddWithValue(trigger);
        command.Parameters.AddWithValue(commit is null ? DBNull.Value : commit);
        command.Parameters.AddWithValue(error is null ? DBNull.Value : error);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task AddAsync(string runId, string kraftfile, string? buildId, string? error, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("INSERT INTO farm.catalog_builds (run_id, kraftfile, build_id, error) VALUES ($1, $2, $3, $4)");
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(kraftfile);
        command.Parameters.AddWithValue(buildId is null ? DBNull.Value : buildId);
        command.Parameters.AddWithValue(error is null ? DBNull.Value : error);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The latest run and its Kraftfiles; null before the first.</summary>
    public async Task<CatalogRun?> LatestAsync(CancellationToken cancellationToken)
    {
        CatalogRun run;
        await using (var command = _database.CreateCommand("SELECT id, started, repository, trigger, commit, error FROM farm.catalog_runs ORDER BY started DESC, id DESC LIMIT 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            run = new CatalogRun(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), []);
        }

        var entries = new List<CatalogEntry>();
        await using (var command = _database.CreateCommand("SELECT kraftfile, build_id, error FROM farm.catalog_builds WHERE run_id = $1 ORDER BY kraftfile"))
        {
            command.Parameters.AddWithValue(run.Id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new CatalogEntry(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        return run with { Entries = entries };
    }
}

internal sealed record CatalogRun(string Id, DateTimeOffset Started, string Repository, string Trigger, string? Commit, string? Error, IReadOnlyList<CatalogEntry> Entries);

internal sealed record CatalogEntry(string Kraftfile, string? BuildId, string? Error);

using Npgsql;

namespace Farm.GitHub;

/// <summary>
/// What the farm keeps about GitHub (PostgreSQL, schema <c>farm</c>): each webhook delivery once, by its
/// <c>X-GitHub-Delivery</c> id and by the SHA-256 of its body (a redelivery or a replay is recognised, not processed again); which builds came from which repository
/// and commit (for check runs and rebuild requests); and the check run of each of their targets.
/// </summary>
internal sealed class GitHubStore
{
    private readonly NpgsqlDataSource _database;

    public GitHubStore(NpgsqlDataSource database) => _database = database;

    /// <summary>
    /// Records a delivery once: null when it is new, otherwise the id of the delivery recorded before with the same id
    /// (a redelivery) or the same body (a replay: GitHub's signature covers the body, not the id). The unique keys
    /// decide, so two racing copies are recorded once.
    /// </summary>
    public async Task<string?> RecordDeliveryAsync(string id, string @event, string payload, string bodySha256, CancellationToken cancellationToken)
    {
        await using (var insert = _database.CreateCommand(
            "INSERT INTO farm.github_deliveries (id, event, received, payload, body_sha256) VALUES ($1, $2, now(), $3, $4) ON CONFLICT DO NOTHING"))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(@event);
            insert.Parameters.AddWithValue(payload);
            insert.Parameters.AddWithValue(bodySha256);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return null;
            }
        }

        await using var first = _database.CreateCommand("SELECT id FROM farm.github_deliveries WHERE id = $1 OR body_sha256 = $2 ORDER BY received, id LIMIT 1");
        first.Parameters.AddWithValue(id);
        first.Parameters.AddWithValue(bodySha256);
        return await first.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string ?? id;
    }

    public async Task<(string Event, string Payload)?> GetDeliveryAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT event, payload FROM farm.github_deliveries WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task SetOutcomeAsync(string id, string outcome, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("UPDATE farm.github_deliveries SET outcome = $2 WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(outcome);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(string Id, string Event, string? Outcome)>> ListDeliveriesAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT id, event, outcome FROM farm.github_deliveries ORDER BY received, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<(string, string, string?)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return list;
    }

    public async Task AddBuildAsync(string buildId, GitHubCommit commit, string kraftfile, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            "INSERT INTO farm.github_builds (build_id, installation_id, owner, repo, clone_url, head_sha, kraftfile) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        command.Parameters.AddWithValue(buildId);
        command.Parameters.AddWithValue(commit.InstallationId is { } installation ? installation : DBNull.Value);
        command.Parameters.AddWithValue(commit.Owner);
        command.Parameters.AddWithValue(commit.Repository);
        command.Parameters.AddWithValue(commit.CloneUrl);
        command.Parameters.AddWithValue(commit.Sha);
        command.Parameters.AddWithValue(kraftfile);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds from GitHub that have check runs still to move: not finished, or finished with a target not yet reported
    /// completed. Only the last day's: a repository GitHub keeps refusing (the app uninstalled) is not asked forever.
    /// </summary>
    public async Task<IReadOnlyList<(string BuildId, GitHubCommit Commit, string Kraftfile)>> BuildsToReportAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("""
            SELECT g.build_id, g.installation_id, g.owner, g.repo, g.clone_url, g.head_sha, g.kraftfile
            FROM farm.github_builds g JOIN farm.builds b ON b.id = g.build_id
            WHERE g.installation_id IS NOT NULL
              AND b.created > now() - interval '1 day'
              AND (b.finished IS NULL OR b.finished > now() - interval '10 minutes'
                   OR EXISTS (SELECT 1 FROM farm.targets t WHERE t.build_id = g.build_id
                              AND NOT EXISTS (SELECT 1 FROM farm.github_check_runs c WHERE c.build_id = t.build_id AND c.target = t.name AND c.status = 'completed')))
            ORDER BY b.created
            LIMIT 200
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<(string, GitHubCommit, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add((reader.GetString(0), new GitHubCommit(reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)), reader.GetString(6)));
        }

        return list;
    }

    public async Task<IReadOnlyDictionary<string, (long Id, string Status)>> CheckRunsAsync(string buildId, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT target, check_run_id, status FROM farm.github_check_runs WHERE build_id = $1");
        command.Parameters.AddWithValue(buildId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
        }

        return runs;
    }

    public async Task SetCheckRunAsync(string buildId, string target, long checkRunId, string status, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("""
            INSERT INTO farm.github_check_runs (build_id, target, check_run_id, status) VALUES ($1, $2, $3, $4)
            ON CONFLICT (build_id, target) DO UPDATE SET check_run_id = excluded.check_run_id, status = excluded.status
            """);
        command.Parameters.AddWithValue(buildId);
        command.Parameters.AddWithValue(target);
        command.Parameters.AddWithValue(checkRunId);
        command.Parameters.AddWithValue(status);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The GitHub origin of a build that a check run names (its external id is the build id).</summary>
    public async Task<(GitHubCommit Commit, string Kraftfile)?> BuildOriginAsync(string buildId, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT installation_id, owner, repo, clone_url, head_sha, kraftfile FROM farm.github_builds WHERE build_id = $1");
        command.Parameters.AddWithValue(buildId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (new GitHubCommit(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)), reader.GetString(5))
            : null;
    }
}

/// <summary>A commit of a GitHub repository the farm builds, and the app installation that may report on it.</summary>
internal sealed record GitHubCommit(long? InstallationId, string Owner, string Repository, string CloneUrl, string Sha)
{
    /// <summary>The branch the event names (a push's ref, a pull request's head), when it names one.</summary>
    public string? Branch { get; init; }
}

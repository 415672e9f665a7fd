using Farm.Core.Builds;
using Farm.Core.Builds.Signals;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// The build store of <c>farm serve</c> and its workers, in PostgreSQL. The fan-in is one statement: the target's
/// update (only from an open state) and the build's counter decrement happen together, under the rows' locks, so a
/// retried or concurrent completion cannot count twice and exactly one completion sees zero.
/// </summary>
public sealed partial class PostgresBuildStore : IBuildStore, IAsyncDisposable
{
    private const string Open = "('queued','running')";
    private readonly NpgsqlDataSource _database;
    private readonly BuildSignalHub _signals;

    public PostgresBuildStore(NpgsqlDataSource database, BuildSignalHub? signals = null)
    {
        _database = database;
        _signals = signals ?? new BuildSignalHub();
        Listener = new BuildChangeListener(database, _signals);
    }

    /// <summary>Carries the triggers' NOTIFYs to <see cref="Watch"/>es; started by the first watch, so a store nobody watches holds no connection.</summary>
    public BuildChangeListener Listener { get; }

    public IBuildWatch Watch(string buildId, BuildChanges changes)
    {
        // Subscribed before the listener starts: the first watch is always woken by the first connect.
        var watch = _signals.Subscribe(buildId, changes);
        Listener.Start();
        return watch;
    }

    public ValueTask DisposeAsync() => Listener.DisposeAsync();

    public async Task CreateAsync(BuildRecord build, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(targets);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO farm.builds (id, app, kraftfile, output, scope, created, state, publish_partial, signing_key_file, git_url, git_commit, source_digest, runtime, open_targets, trigger, branch)
            VALUES (@id, @app, @kraftfile, @output, @scope, @created, @state, @partial, @key, @git, @commit, @source, @runtime, @open, @trigger, @branch)
            """, connection))
        {
            insert.Parameters.AddWithValue("id", build.Id);
            insert.Parameters.AddWithValue("app", build.App);
            insert.Parameters.AddWithValue("kraftfile", build.KraftfilePath);
            insert.Parameters.AddWithValue("output", build.Output);
            insert.Parameters.AddWithValue("scope", build.Scope);
            insert.Parameters.AddWithValue("created", build.Created.UtcDateTime);
            insert.Parameters.AddWithValue("state", build.State.Name());
            insert.Parameters.AddWithValue("partial", build.PublishPartial);
            insert.Parameters.AddWithValue("key", (object?)build.SigningKeyFile ?? DBNull.Value);
            insert.Parameters.AddWithValue("git", (object?)build.GitUrl ?? DBNull.Value);
            insert.Parameters.AddWithValue("commit", (object?)build.GitCommit ?? DBNull.Value);
            insert.Parameters.AddWithValue("source", (object?)build.SourceDigest ?? DBNull.Value);
            insert.Parameters.AddWithValue("runtime", (object?)build.Runtime ?? DBNull.Value);
            insert.Parameters.AddWithValue("open", targets.Count(t => !t.State.IsFinal()));
            insert.Parameters.AddWithValue("trigger", build.Trigger);
            insert.Parameters.AddWithValue("branch", (object?)build.Branch ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertTargetsAsync(connection, build.Id, targets, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PlanAsync(BuildRecord planned, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(targets);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Only from resolving, under the row's lock: a cancel, or a second run of the planning job, changes nothing.
        await using (var update = new NpgsqlCommand(
            """
            UPDATE farm.builds SET state = 'queued', app = @app, kraftfile = @kraftfile, publish_partial = @partial, runtime = @runtime, open_targets = @open
            WHERE id = @id AND state = 'resolving'
            """, connection))
        {
            update.Parameters.AddWithValue("id", planned.Id);
            update.Parameters.AddWithValue("app", planned.App);
            update.Parameters.AddWithValue("kraftfile", planned.KraftfilePath);
            update.Parameters.AddWithValue("partial", planned.PublishPartial);
            update.Parameters.AddWithValue("runtime", (object?)planned.Runtime ?? DBNull.Value);
            update.Parameters.AddWithValue("open", targets.Count(t => !t.State.IsFinal()));
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        await InsertTargetsAsync(connection, planned.Id, targets, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<BuildRecord?> GetAsync(string buildId, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand($"SELECT {BuildColumns} FROM farm.builds b WHERE id = @id");
        command.Parameters.AddWithValue("id", buildId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadBuild(reader) : null;
    }

    public async Task<IReadOnlyList<TargetRecord>> GetTargetsAsync(string buildId, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand($"SELECT {TargetColumns} FROM farm.targets t WHERE build_id = @id ORDER BY position");
        command.Parameters.AddWithValue("id", buildId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var targets = new List<TargetRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            targets.Add(ReadTarget(reader));
        }

        return targets;
    }

    public async Task<bool> FinishAsync(string buildId, BuildState state, string? indexDigest, string? reason, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            "UPDATE farm.builds SET state = @state, index_digest = @digest, reason = @reason, finished = now() WHERE id = @id AND state IN ('resolving','queued','running')");
        command.Parameters.AddWithValue("id", buildId);
        command.Parameters.AddWithValue("state", state.Name());
        command.Parameters.AddWithValue("digest", (object?)indexDigest ?? DBNull.Value);
        command.Parameters.AddWithValue("reason", (object?)reason ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public Task<bool> CancelAsync(string buildId, CancellationToken cancellationToken) =>
        EndAsync(buildId, BuildState.Cancelled, TargetState.Cancelled, "cancelled", cancellationToken);

    public Task<bool> ExpireAsync(string buildId, string reason, CancellationToken cancellationToken) =>
        EndAsync(buildId, BuildState.Failed, TargetState.Failed, reason, cancellationToken);

    public async Task<IReadOnlyList<BuildRecord>> ListOpenAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT id FROM farm.builds WHERE state IN ('queued','running') AND created < @before ORDER BY created");
        command.Parameters.AddWithValue("before", createdBefore.UtcDateTime);
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        var builds = new List<BuildRecord>();
        foreach (var id in ids)
        {
            if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } build)
            {
                builds.Add(build);
            }
        }

        return builds;
    }

    // One statement: the build and its open targets end together, and open_targets = 0 stops any later completion from
    // enqueueing the assemble job.
    private async Task<bool> EndAsync(string buildId, BuildState state, TargetState targetState, string reason, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            $"""
            WITH build AS (
                UPDATE farm.builds SET state = @state, reason = @reason, finished = now(), open_targets = 0
                WHERE id = @id AND state IN ('resolving','queued','running') RETURNING id),
            targets AS (
                UPDATE farm.targets SET state = @target_state, phase = NULL, reason = @reason, finished = now()
                WHERE build_id IN (SELECT id FROM build) AND state IN {Open})
            SELECT count(*) FROM build
            """);
        command.Parameters.AddWithValue("id", buildId);
        command.Parameters.AddWithValue("state", state.Name());
        command.Parameters.AddWithValue("target_state", targetState.Name());
        command.Parameters.AddWithValue("reason", reason);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    public async Task AppendLogAsync(string buildId, string name, string line, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("INSERT INTO farm.logs (build_id, name, line) VALUES (@build, @name, @line)");
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("line", line.Replace("\0", string.Empty, StringComparison.Ordinal));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ReadLogAsync(string buildId, string name, int from, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT line FROM farm.logs WHERE build_id = @build AND name = @name ORDER BY seq OFFSET @from");
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("from", (long)from);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    public async Task<string?> GetTargetPlanAsync(string buildId, string name, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT plan FROM farm.targets WHERE build_id = @id AND name = @name");
        command.Parameters.AddWithValue("id", buildId);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static async Task InsertTargetsAsync(NpgsqlConnection connection, string buildId, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken)
    {
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO farm.targets (build_id, name, target, platform, architecture, queue, state, reason, position, finished, plan)
                VALUES (@build, @name, @target, @platform, @architecture, @queue, @state, @reason, @position, CASE WHEN @final THEN now() END, @plan)
                """, connection);
            insert.Parameters.AddWithValue("build", buildId);
            insert.Parameters.AddWithValue("name", target.Name);
            insert.Parameters.AddWithValue("target", target.Target);
            insert.Parameters.AddWithValue("platform", target.Platform);
            insert.Parameters.AddWithValue("architecture", target.Architecture);
            insert.Parameters.AddWithValue("queue", target.Queue);
            insert.Parameters.AddWithValue("state", target.State.Name());
            insert.Parameters.AddWithValue("reason", (object?)target.Reason ?? DBNull.Value);
            insert.Parameters.AddWithValue("position", i);
            insert.Parameters.AddWithValue("final", target.State.IsFinal());
            insert.Parameters.AddWithValue("plan", (object?)target.Plan ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}

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
        Listener.Start();
        return _signals.Subscribe(buildId, changes);
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

    public async Task<bool> StartTargetAsync(string buildId, string name, string worker, int attempt, CancellationToken cancellationToken)
    {
        // attempt may be newer than the row's: the farm enqueues the new job before it records the attempt (so a farm
        // killed in between leaves a runnable job, not a target no job will start).
        await using var command = _database.CreateCommand(
            $"""
            WITH started AS (
                UPDATE farm.targets SET state = 'running', worker = @worker, phase = 'starting', started = now(), attempt = @attempt
                WHERE build_id = @build AND name = @name AND state IN {Open} AND attempt <= @attempt RETURNING build_id)
            UPDATE farm.builds SET state = CASE WHEN state = 'queued' THEN 'running' ELSE state END
            FROM started WHERE farm.builds.id = started.build_id RETURNING 1
            """);
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("worker", worker);
        command.Parameters.AddWithValue("attempt", attempt);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task SetPhaseAsync(string buildId, string name, string phase, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand($"UPDATE farm.targets SET phase = @phase WHERE build_id = @build AND name = @name AND state IN {Open}");
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("phase", phase);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int?> CompleteTargetAsync(string buildId, string name, TargetOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await using var command = _database.CreateCommand(
            $"""
            WITH done AS (
                UPDATE farm.targets SET state = @state, phase = NULL, reason = @reason, manifest_digest = @manifest, index_entry = @entry,
                    build_seconds = @build_seconds, boot_seconds = @boot_seconds, cache_hits = @hits, cache_misses = @misses, cache_errors = @errors, cached = @cached, finished = now(), kernel_bytes = @kernel_bytes,
                    cache_tiers = @tiers::jsonb, rootfs_cached = @rootfs
                WHERE build_id = @build AND name = @name AND state IN {Open} RETURNING *),
            counted AS (SELECT (finished AT TIME ZONE 'UTC')::date AS day, * FROM done WHERE state IN ('succeeded', 'failed')),
            day_totals AS (
                INSERT INTO farm.cache_days AS d (day, tier, hits, misses, errors, targets, target_hits, rootfs_targets, rootfs_hits)
                SELECT day, '', cache_hits, cache_misses, cache_errors, 1, cached::int, (rootfs_cached IS NOT NULL)::int, coalesce(rootfs_cached, false)::int FROM counted
                ON CONFLICT (day, tier) DO UPDATE SET hits = d.hits + excluded.hits, misses = d.misses + excluded.misses, errors = d.errors + excluded.errors,
                    targets = d.targets + 1, target_hits = d.target_hits + excluded.target_hits,
                    rootfs_targets = d.rootfs_targets + excluded.rootfs_targets, rootfs_hits = d.rootfs_hits + excluded.rootfs_hits),
            day_tiers AS (
                INSERT INTO farm.cache_days AS d (day, tier, hits, errors, bytes)
                SELECT day, c.key, (c.value->>'hits')::bigint, (c.value->>'errors')::bigint, (c.value->>'bytes')::bigint FROM counted CROSS JOIN LATERAL jsonb_each(counted.cache_tiers) c
                ON CONFLICT (day, tier) DO UPDATE SET hits = d.hits + excluded.hits, errors = d.errors + excluded.errors, bytes = d.bytes + excluded.bytes)
            UPDATE farm.builds SET open_targets = open_targets - 1 FROM done WHERE farm.builds.id = done.build_id RETURNING open_targets
            """);
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("state", outcome.State.Name());
        command.Parameters.AddWithValue("reason", (object?)outcome.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue("manifest", (object?)outcome.ManifestDigest ?? DBNull.Value);
        command.Parameters.AddWithValue("entry", (object?)outcome.IndexEntry ?? DBNull.Value);
        command.Parameters.AddWithValue("build_seconds", (object?)outcome.BuildSeconds ?? DBNull.Value);
        command.Parameters.AddWithValue("boot_seconds", (object?)outcome.BootSeconds ?? DBNull.Value);
        command.Parameters.AddWithValue("hits", outcome.CacheHits);
        command.Parameters.AddWithValue("misses", outcome.CacheMisses);
        command.Parameters.AddWithValue("errors", outcome.CacheErrors);
        command.Parameters.AddWithValue("cached", outcome.Cached);
        command.Parameters.AddWithValue("kernel_bytes", (object?)outcome.KernelBytes ?? DBNull.Value);
        command.Parameters.AddWithValue("tiers", CacheTierJson.Write(outcome.CacheTiers));
        command.Parameters.AddWithValue("rootfs", (object?)outcome.RootfsCached ?? DBNull.Value);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int open ? open : null;
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

using System.Text;
using Farm.Core.Builds;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// The lists the dashboard reads. Each filter adds one condition, so the planner sees only what was asked and walks the
/// matching index of <see cref="DashboardSchema"/> newest first, stopping after one page (keyset: no OFFSET to skip).
/// </summary>
public sealed partial class PostgresBuildStore
{
    private const string BuildColumns =
        "b.id, b.app, b.kraftfile, b.output, b.scope, b.created, b.state, b.index_digest, b.reason, b.publish_partial, b.signing_key_file, b.finished, b.git_url, b.git_commit, b.source_digest, b.runtime, b.trigger, b.branch";

    private const string TargetColumns =
        "t.build_id, t.name, t.target, t.platform, t.architecture, t.queue, t.state, t.phase, t.worker, t.manifest_digest, t.index_entry, t.build_seconds, t.boot_seconds, t.cache_hits, t.cache_misses, t.cached, t.reason, t.cache_errors, t.attempt, t.queued, t.started, t.finished, t.kernel_bytes, t.rootfs_cached, t.cache_tiers";

    /// <summary>The column after <see cref="TargetColumns"/>: the build's app, in lists that join it.</summary>
    private const int AppColumn = 25;

    public async Task<BuildPage> ListBuildsAsync(BuildQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = _database.CreateCommand();
        var sql = new StringBuilder($"SELECT {BuildColumns} FROM farm.builds b WHERE true");
        void Where(string condition, string name, object value)
        {
            sql.Append(" AND ").Append(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (query.State is { } state)
        {
            Where("b.state = @state", "state", state.Name());
        }

        if (query.App is { } app)
        {
            Where("b.app = @app", "app", app);
        }

        if (query.Repository is { } repository)
        {
            Where("b.git_url = @repository", "repository", repository);
        }

        if (query.Branch is { } branch)
        {
            Where("b.branch = @branch", "branch", branch);
        }

        if (query.Trigger is { } trigger)
        {
            Where("b.trigger = @trigger", "trigger", trigger);
        }

        if (query.Since is { } since)
        {
            Where("b.created >= @since", "since", since.UtcDateTime);
        }

        if (query.Until is { } until)
        {
            Where("b.created < @until", "until", until.UtcDateTime);
        }

        if (query.Text is { } text)
        {
            Where("(b.app ILIKE @text OR b.git_url ILIKE @text OR b.git_commit ILIKE @text)", "text", "%" + EscapeLike(text) + "%");
        }

        if (query.Platform?.Split('/') is [var platform, var architecture])
        {
            Where("EXISTS (SELECT 1 FROM farm.targets p WHERE p.build_id = b.id AND p.platform = @platform AND p.architecture = @architecture)", "platform", platform);
            command.Parameters.AddWithValue("architecture", architecture);
        }
        else if (query.Platform is not null)
        {
            return new BuildPage([], null);
        }

        if (query.Worker is { } worker)
        {
            Where("EXISTS (SELECT 1 FROM farm.targets w WHERE w.build_id = b.id AND w.worker = @worker)", "worker", worker);
        }

        if (query.After is { } after)
        {
            Where("(b.created, b.id COLLATE \"C\") < (@after_created, @after_id COLLATE \"C\")", "after_created", after.Created.UtcDateTime);
            command.Parameters.AddWithValue("after_id", after.Id);
        }

        sql.Append(" ORDER BY b.created DESC, b.id COLLATE \"C\" DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", query.ClampedLimit + 1);
        command.CommandText = sql.ToString();
        var builds = new List<BuildRecord>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                builds.Add(ReadBuild(reader));
            }
        }

        var next = builds.Count > query.ClampedLimit ? BuildCursor.Of(builds[query.ClampedLimit - 1]) : null;
        builds = builds.Take(query.ClampedLimit).ToList();
        var targets = await TargetsOfAsync(builds.Select(b => b.Id).ToArray(), cancellationToken).ConfigureAwait(false);
        return new BuildPage(builds.Select(b => new BuildSummary(b, targets.TryGetValue(b.Id, out var t) ? t : [])).ToList(), next);
    }

    public async Task<IReadOnlyList<TargetEntry>> ListTargetsAsync(TargetQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = _database.CreateCommand();
        var sql = new StringBuilder($"SELECT {TargetColumns}, b.app FROM farm.targets t JOIN farm.builds b ON b.id = t.build_id WHERE t.finished IS NOT NULL");
        if (query.Worker is { } worker)
        {
            sql.Append(" AND t.worker = @worker");
            command.Parameters.AddWithValue("worker", worker);
        }

        if (query.Since is { } since)
        {
            sql.Append(" AND t.finished >= @since");
            command.Parameters.AddWithValue("since", since.UtcDateTime);
        }

        if (query.BuiltOnly)
        {
            sql.Append(" AND NOT t.cached AND t.build_seconds IS NOT NULL");
        }

        sql.Append(query.SlowestFirst ? " ORDER BY t.build_seconds DESC" : " ORDER BY t.finished DESC");
        sql.Append(", t.build_id COLLATE \"C\", t.name COLLATE \"C\" LIMIT @limit");
        command.Parameters.AddWithValue("limit", query.ClampedLimit);
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<TargetEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new TargetEntry(ReadTarget(reader), reader.GetString(AppColumn)));
        }

        return entries;
    }

    public async Task<IReadOnlyList<string>> ReadLogAsync(string buildId, string name, int from, int limit, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT line FROM farm.logs WHERE build_id = @build AND name = @name ORDER BY seq OFFSET @from LIMIT @limit");
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("from", (long)Math.Max(0, from));
        command.Parameters.AddWithValue("limit", (long)Math.Max(0, limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    public async Task<int> CountLogAsync(string buildId, string name, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("SELECT count(*) FROM farm.logs WHERE build_id = @build AND name = @name");
        command.Parameters.AddWithValue("build", buildId);
        command.Parameters.AddWithValue("name", name);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<Dictionary<string, List<TargetRecord>>> TargetsOfAsync(string[] buildIds, CancellationToken cancellationToken)
    {
        var byBuild = new Dictionary<string, List<TargetRecord>>(StringComparer.Ordinal);
        if (buildIds.Length == 0)
        {
            return byBuild;
        }

        await using var command = _database.CreateCommand($"SELECT {TargetColumns} FROM farm.targets t WHERE t.build_id = ANY(@ids) ORDER BY t.build_id, t.position");
        command.Parameters.AddWithValue("ids", buildIds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var target = ReadTarget(reader);
            if (!byBuild.TryGetValue(target.BuildId, out var list))
            {
                byBuild[target.BuildId] = list = [];
            }

            list.Add(target);
        }

        return byBuild;
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : new DateTimeOffset(reader.GetDateTime(column), TimeSpan.Zero);

    private static BuildRecord ReadBuild(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero))
        {
            State = Enum.Parse<BuildState>(reader.GetString(6), ignoreCase: true),
            IndexDigest = Text(reader, 7),
            Reason = Text(reader, 8),
            PublishPartial = reader.GetBoolean(9),
            SigningKeyFile = Text(reader, 10),
            Finished = Time(reader, 11),
            GitUrl = Text(reader, 12),
            GitCommit = Text(reader, 13),
            SourceDigest = Text(reader, 14),
            Runtime = Text(reader, 15),
            Trigger = reader.GetString(16),
            Branch = Text(reader, 17),
        };

    private static TargetRecord ReadTarget(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5))
        {
            State = Enum.Parse<TargetState>(reader.GetString(6), ignoreCase: true),
            Phase = Text(reader, 7),
            Worker = Text(reader, 8),
            ManifestDigest = Text(reader, 9),
            IndexEntry = Text(reader, 10),
            BuildSeconds = reader.IsDBNull(11) ? null : reader.GetDouble(11),
            BootSeconds = reader.IsDBNull(12) ? null : reader.GetDouble(12),
            CacheHits = reader.GetInt64(13),
            CacheMisses = reader.GetInt64(14),
            Cached = reader.GetBoolean(15),
            Reason = Text(reader, 16),
            CacheErrors = reader.GetInt64(17),
            Attempt = reader.GetInt32(18),
            Queued = Time(reader, 19),
            Started = Time(reader, 20),
            Finished = Time(reader, 21),
            KernelBytes = reader.IsDBNull(22) ? null : reader.GetInt64(22),
            RootfsCached = reader.IsDBNull(23) ? null : reader.GetBoolean(23),
            CacheTiers = CacheTierJson.Read(reader.GetString(24)),
        };
}

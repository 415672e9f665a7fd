using Npgsql;

namespace Farm.Tests.Serve;

/// <summary>
/// How each target of a build ran, as the stores recorded it (not as its log reads): the farm's row (final state, the
/// worker, the attempt: 0 unless the target was given to a new job after its worker was lost) and how many times a
/// worker began a job of it (Hangfire's Processing states of the target's jobs).
/// </summary>
internal sealed record TargetRuns(string Name, string State, string? Worker, int Attempt, long Started)
{
    public static async Task<IReadOnlyList<TargetRuns>> ReadAsync(string connectionString, string buildId, CancellationToken ct)
    {
        await using var database = NpgsqlDataSource.Create(connectionString);
        // A target job's arguments are Hangfire's JSON array of JSON values: build id, target name, attempt, ...
        await using var command = database.CreateCommand(
            """
            SELECT t.name, t.state, t.worker, t.attempt,
                (SELECT count(*) FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id
                 WHERE s.name = 'Processing' AND j.invocationdata::text LIKE '%ITargetBuildJob%'
                   AND (j.arguments::jsonb ->> 0) = to_json(t.build_id)::text AND (j.arguments::jsonb ->> 1) = to_json(t.name)::text)
            FROM farm.targets t WHERE t.build_id = $1 ORDER BY t.position
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = buildId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var runs = new List<TargetRuns>();
        while (await reader.ReadAsync(ct))
        {
            runs.Add(new TargetRuns(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4)));
        }

        return runs;
    }
}

using System.Diagnostics;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>
/// A real PostgreSQL server (tests/postgres.sh: a new cluster on a free 127.0.0.1 port), shared by a test class;
/// each test takes a fresh database of its own from <see cref="CreateDatabaseAsync"/>. Disposing stops the server
/// and deletes the cluster.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("farm-postgres-").FullName;
    private string _connectionString = string.Empty;

    public string ConnectionString => _connectionString;

    public async ValueTask InitializeAsync()
    {
        var (code, output) = await ScriptAsync("start");
        if (code != 0)
        {
            throw new InvalidOperationException($"tests/postgres.sh start failed (run tests/install-packages.sh for the server): {output}");
        }

        _connectionString = output.Trim();
    }

    /// <summary>A new, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(_connectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ScriptAsync("stop");
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<(int Code, string Output)> ScriptAsync(string verb)
    {
        var info = new ProcessStartInfo(Path.Combine(TestPaths.RepositoryRoot, "tests", "postgres.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(verb);
        info.ArgumentList.Add(_directory);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, process.ExitCode == 0 ? await stdout : await stderr + await stdout);
    }
}

using System.Diagnostics;
using Npgsql;

namespace Farm.Tests.Support;

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

    /// <summary>tests/postgres.sh, found from the test binary up (this file is shared by several test projects).</summary>
    private static string Script()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var script = Path.Combine(directory.FullName, "tests", "postgres.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException("tests/postgres.sh not found above " + AppContext.BaseDirectory);
    }

    private async Task<(int Code, string Output)> ScriptAsync(string verb)
    {
        var info = new ProcessStartInfo(Script()) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(verb);
        info.ArgumentList.Add(_directory);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, process.ExitCode == 0 ? await stdout : await stderr + await stdout);
    }
}

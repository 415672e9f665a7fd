using System.Diagnostics;

namespace Farm.Worker.Tests.Sources;

/// <summary>A real git repository made by a test (commits, a tag, a branch), cloned over <c>file://</c>.</summary>
internal sealed class GitRepositoryFixture
{
    private readonly string _work;

    public GitRepositoryFixture(TempDirectory root)
    {
        _work = root.Combine("upstream");
        Directory.CreateDirectory(_work);
        Git("init", "--quiet", "--initial-branch=main");
        Git("config", "user.email", "test@example.invalid");
        Git("config", "user.name", "test");
        Url = "file://" + _work;
    }

    public string Url { get; }

    /// <summary>The allow-list these tests run git under: repositories in temporary directories, over file://, and nothing else.</summary>
    public static Farm.Core.Sources.SourcePolicy Policy { get; } = new([$"file://{Path.GetTempPath().TrimEnd('/')}/*"]);

    /// <summary>Writes a file and commits it; returns the commit id.</summary>
    public string Commit(string file, string content)
    {
        var path = Path.Combine(_work, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        Git("add", "--all");
        Git("commit", "--quiet", "-m", $"write {file}");
        return Git("rev-parse", "HEAD").Trim();
    }

    public string Git(params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = _work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["GIT_AUTHOR_DATE"] = "2026-01-01T00:00:00Z";
        info.Environment["GIT_COMMITTER_DATE"] = "2026-01-01T00:00:00Z";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {error}");
        return output;
    }
}

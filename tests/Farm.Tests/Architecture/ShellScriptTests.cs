using System.Diagnostics;
using Farm.Tests.Shared;

namespace Farm.Tests.Architecture;

/// <summary>Every shell script of the repository passes shellcheck (all severities), as a reviewer would run it.</summary>
public sealed class ShellScriptTests
{
    [Fact]
    public async Task EveryScript_PassesShellcheck()
    {
        var root = ProjectReferences.RepositoryRoot();
        var scripts = Scripts(root);

        var (exit, output) = await RunAsync(root, "shellcheck", ["-f", "gcc", "--", .. scripts]);

        // Those that CI itself runs are found, so the list is not empty by accident.
        Assert.Contains("test.sh", scripts);
        Assert.Contains(".ci/run", scripts);
        Assert.True(exit == 0, $"shellcheck over {scripts.Count} scripts:\n{output}");
    }

    /// <summary>Tracked files named *.sh or starting with a shell's #! line, relative to the root.</summary>
    private static List<string> Scripts(string root)
    {
        // .git is a directory in a clone and a file in a worktree (git worktree add).
        var files = Path.Exists(Path.Combine(root, ".git"))
            ? RunAsync(root, "git", ["ls-files", "-z"]).GetAwaiter().GetResult().Output.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            : throw new InvalidOperationException($"{root} is not a git checkout: the tracked scripts cannot be listed");
        return files.Where(f => File.Exists(Path.Combine(root, f)) && (f.EndsWith(".sh", StringComparison.Ordinal) || IsShellScript(Path.Combine(root, f)))).Order(StringComparer.Ordinal).ToList();
    }

    private static bool IsShellScript(string path)
    {
        using var reader = new StreamReader(path);
        var first = reader.ReadLine() ?? string.Empty;
        return first.StartsWith("#!", StringComparison.Ordinal) && (first.EndsWith("/bash", StringComparison.Ordinal) || first.EndsWith(" bash", StringComparison.Ordinal) || first.EndsWith("/sh", StringComparison.Ordinal));
    }

    private static async Task<(int Exit, string Output)> RunAsync(string directory, string command, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(command) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}

using System.Diagnostics;
using Farm.Tests.Shared;

namespace Farm.Cache.Tests.Support;

/// <summary>
/// <c>farm-cc-fast</c> as make runs it: the C front built beside farm-cc (a JIT build of it here) in the Farm.Cache.Cc
/// project's output, run as a process with only the variables given, its helper's socket under the test's directory.
/// </summary>
internal sealed class FastFront
{
    private readonly TempDirectory _temp;

    public FastFront(TempDirectory temp)
    {
        _temp = temp;
        Runtime = temp.CreateDirectory("run");
        File.SetUnixFileMode(Runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The helper's parent directory (<c>XDG_RUNTIME_DIR</c>): the socket is in <c>farm-cc/</c> under it.</summary>
    public string Runtime { get; }

    public string SocketDirectory => Path.Combine(Runtime, "farm-cc");

    public static string Program
    {
        get
        {
            // tests/Farm.Cache.Tests/bin/CONFIGURATION/net10.0/ → cache/Farm.Cache.Cc/bin/CONFIGURATION/net10.0/
            var framework = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = framework.Parent!.Name;
            return Path.Combine(ProjectReferences.RepositoryRoot(), "cache", "Farm.Cache.Cc", "bin", configuration, framework.Name, "farm-cc-fast");
        }
    }

    /// <summary>Runs <c>farm-cc-fast gcc ARGUMENTS</c> in <paramref name="directory"/> with the cache at <c>cache/</c>.</summary>
    public (int ExitCode, string Stderr) Run(string directory, IReadOnlyList<string> arguments, params (string Name, string Value)[] more)
    {
        var (exitCode, _, stderr) = RunCommand(directory, Program, ["gcc", .. arguments], more);
        return (exitCode, stderr);
    }

    /// <summary>Runs <paramref name="program"/> with the front's environment (a shell that ends by running the front).</summary>
    public (int ExitCode, string Stdout, string Stderr) RunCommand(string directory, string program, IReadOnlyList<string> arguments, params (string Name, string Value)[] more)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("FARM_", StringComparison.Ordinal) || k == "XDG_RUNTIME_DIR").ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["FARM_CACHE_DIR"] = _temp.Combine("cache");
        start.Environment["XDG_RUNTIME_DIR"] = Runtime;
        start.Environment["FARM_CACHE_HELPER_IDLE"] = "60";
        foreach (var (name, value) in more)
        {
            start.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>The events the cache logged so far.</summary>
    public IReadOnlyList<string> Events()
    {
        var log = _temp.Combine("cache", "stats", "events.log");
        return File.Exists(log) ? File.ReadAllLines(log) : [];
    }

    /// <summary>The helpers serving sockets under <see cref="Runtime"/>: their process ids, from <c>/proc/*/cmdline</c>.</summary>
    public IReadOnlyList<int> Helpers()
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var words = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
                if (words.Length > 2 && words[1] == "--serve" && words[2].StartsWith(SocketDirectory + "/", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // gone while we looked
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Waits (at most 60 s) until <paramref name="condition"/> holds; false when it never did.</summary>
    public static bool Eventually(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return condition();
    }
}

using System.Diagnostics;

namespace Farm.Tests.Shared;

/// <summary>
/// Makes the nodes a destination must never replace, in a test's own directory: a character device like
/// <c>/dev/null</c> (1,3: it discards writes, so a compile pointed at it harms nothing), a fifo, a link. A device needs
/// root (CI and the workers run tests as root); a test that needs one is skipped elsewhere.
/// </summary>
internal static class SpecialFiles
{
    public static bool CanMakeDevices => Run("id", "-u").Output.Trim() == "0";

    /// <summary>A character device 1,3 (the null device) at <paramref name="path"/>.</summary>
    public static string NullDevice(string path)
    {
        var (exitCode, output) = Run("mknod", path, "c", "1", "3");
        return exitCode == 0 ? path : throw new InvalidOperationException($"mknod {path} failed: {output}");
    }

    public static string Fifo(string path)
    {
        var (exitCode, output) = Run("mkfifo", path);
        return exitCode == 0 ? path : throw new InvalidOperationException($"mkfifo {path} failed: {output}");
    }

    /// <summary>Whether <paramref name="path"/> is a character device, asked of <c>stat</c> rather than of the code under test.</summary>
    public static string TypeOf(string path) => Run("stat", "-c", "%F", path).Output.Trim();

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}

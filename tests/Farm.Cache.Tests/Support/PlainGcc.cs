using System.Diagnostics;

namespace Farm.Cache.Tests.Support;

/// <summary>gcc run directly, without farm-cc: what a build without the cache would see.</summary>
internal static class PlainGcc
{
    public static (int ExitCode, string Stderr) Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("gcc")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        return (process.ExitCode, stderr);
    }
}

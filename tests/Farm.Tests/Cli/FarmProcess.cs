using System.Diagnostics;
using Farm.Cli;

namespace Farm.Tests.Cli;

/// <summary>
/// Runs the farm CLI as a separate process, as a user does, with its own environment (the <c>FARM_CACHE_*</c>
/// variables and <c>XDG_CACHE_HOME</c> are read from the process environment, so tests must not share one).
/// </summary>
internal static class FarmProcess
{
    /// <param name="assembly">The program to run (default: farm); null when <paramref name="args"/> starts with it.</param>
    public static async Task<CliRun> RunAsync(string[] args, IEnumerable<(string Name, string Value)> environment, CancellationToken cancellationToken, string? assembly = "")
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (assembly is not null)
        {
            info.ArgumentList.Add(assembly.Length > 0 ? assembly : typeof(FarmCli).Assembly.Location);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("FARM_", StringComparison.Ordinal) || k.StartsWith("Farm__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}

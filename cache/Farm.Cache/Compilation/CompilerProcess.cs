using System.Diagnostics;
using System.Text;

namespace Farm.Cache.Compilation;

/// <summary>Runs the real compiler: its output passed through (stderr also kept, for the cache), or captured whole.</summary>
public static class CompilerProcess
{
    /// <summary>What a shell answers for a command it cannot run.</summary>
    public const int CannotRun = 127;

    /// <summary>
    /// Runs the compiler with our stdout and stderr; returns its exit code and what it printed on stderr. A compiler that
    /// cannot be started is exit code 127 and one line saying why, as a shell would say it (not a stack trace).
    /// </summary>
    public static (int ExitCode, string Stderr) Run(string compiler, IEnumerable<string> arguments, TextWriter stdout, TextWriter stderr, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            return RunStarted(compiler, arguments, stdout, stderr, workingDirectory);
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            var message = $"farm-cc: cannot run {compiler}: {Reason(error)}\n";
            stderr.Write(message);
            return (CannotRun, message);
        }
    }

    private static (int ExitCode, string Stderr) RunStarted(string compiler, IEnumerable<string> arguments, TextWriter stdout, TextWriter stderr, string? workingDirectory)
    {
        var info = Start(compiler, arguments, workingDirectory);
        var captured = new StringBuilder();
        if (ReferenceEquals(stdout, Console.Out))
        {
            // farm-cc's own standard output: the compiler writes to it directly, and its stderr, the one pipe left, is
            // read on this thread. No reader threads: on a miss they cost more than the rest of farm-cc's own work.
            info.RedirectStandardOutput = false;
            info.StandardOutputEncoding = null;
            using var direct = Process.Start(info)!;
            string? line;
            while ((line = direct.StandardError.ReadLine()) is not null)
            {
                stderr.WriteLine(line);
                captured.Append(line).Append('\n');
            }

            direct.WaitForExit();
            return (direct.ExitCode, captured.ToString());
        }

        using var process = Process.Start(info)!;
        var gate = new object();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    stdout.WriteLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    stderr.WriteLine(e.Data);
                    captured.Append(e.Data).Append('\n');
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return (process.ExitCode, captured.ToString());
    }

    /// <summary>Runs the compiler and hands its stdout, line by line, to <paramref name="onLine"/> (the preprocessor's output).</summary>
    public static (int ExitCode, string Stderr) Stream(string compiler, IEnumerable<string> arguments, Action<string> onLine, string? workingDirectory = null)
    {
        Process process;
        try
        {
            process = Process.Start(Start(compiler, arguments, workingDirectory))!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            return (CannotRun, $"farm-cc: cannot run {compiler}: {Reason(error)}\n");
        }

        using var started = process;
        var stderr = process.StandardError.ReadToEndAsync();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            onLine(line);
        }

        process.WaitForExit();
        return (process.ExitCode, stderr.Result);
    }

    /// <summary>The system's reason ("No such file or directory"), not .NET's sentence around it.</summary>
    private static string Reason(System.ComponentModel.Win32Exception error) =>
        System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error.NativeErrorCode);

    private static ProcessStartInfo Start(string compiler, IEnumerable<string> arguments, string? workingDirectory)
    {
        var info = new ProcessStartInfo(compiler)
        {
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}

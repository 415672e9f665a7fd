using System.ComponentModel;
using System.Diagnostics;

namespace Farm.Core.Processes;

/// <summary>
/// Runs a process with its output streamed line by line (stdout and stderr interleaved as they arrive) and a
/// deadline. On timeout or cancellation the whole process tree is killed, so that no emulator or make job outlives
/// the step that started it.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessOutcome> RunAsync(
        ProcessSpec spec, Action<string> onLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        var gate = new object();
        process.OutputDataReceived += (_, e) => Deliver(e.Data);
        process.ErrorDataReceived += (_, e) => Deliver(e.Data);
        if (await StartOnOwnThreadAsync(process).ConfigureAwait(false) is { } startError)
        {
            return new ProcessOutcome(null, TimedOut: false, stopwatch.Elapsed, $"cannot run '{spec.FileName}': {startError.Message}");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return new ProcessOutcome(null, TimedOut: true, stopwatch.Elapsed);
        }

        // WaitForExitAsync returns once the output streams are drained too.
        return new ProcessOutcome(process.ExitCode, TimedOut: false, stopwatch.Elapsed);

        void Deliver(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                onLine(line);
            }
        }
    }

    /// <summary>
    /// Starts the process from a thread of its own that lives until the process exits. The sandbox runs bubblewrap with
    /// <c>--die-with-parent</c> (PR_SET_PDEATHSIG), which fires when the <em>thread</em> that forked it ends: started
    /// from a thread-pool thread, a long build was SIGKILLed (exit 137) whenever the pool retired that idle thread.
    /// </summary>
    private static Task<Win32Exception?> StartOnOwnThreadAsync(Process process)
    {
        var started = new TaskCompletionSource<Win32Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                process.Start();
            }
            catch (Win32Exception ex)
            {
                started.SetResult(ex);
                return;
            }

            started.SetResult(null);
            try
            {
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Disposed by the caller after it saw the exit.
            }
        })
        {
            IsBackground = true,
            Name = "farm-process",
        };
        thread.Start();
        return started.Task;
    }

    /// <summary>Runs to completion and returns the output; for short queries (<c>git rev-parse</c>, <c>gcc -dumpmachine</c>).</summary>
    public static async Task<(ProcessOutcome Outcome, string Output)> CaptureAsync(
        ProcessSpec spec, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var output = new System.Text.StringBuilder();
        var outcome = await RunAsync(spec, line => output.AppendLine(line), timeout, cancellationToken).ConfigureAwait(false);
        return (outcome, output.ToString());
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}

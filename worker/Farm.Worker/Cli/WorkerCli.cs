using System.CommandLine;
using System.CommandLine.Parsing;

namespace Farm.Worker.Cli;

/// <summary>
/// The worker's command line. Exit codes: 0 success; 1 the target failed (bad Kraftfile, build, image or smoke
/// test); 2 usage error; 3 skipped: built and checked, but
/// not booted here (this host cannot boot the platform, or its CPU lacks what the kernel needs), as <c>farm build</c>
/// reports such a target;
/// 70 internal error; 130 cancelled.
/// </summary>
internal static class WorkerCli
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int UsageError = 2;
    public const int Skipped = 3;
    public const int InternalError = 70;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("The farm's worker: detect capabilities, build and boot-test one target.");
        root.Subcommands.Add(BuildTargetCommand.Create(stdout, stderr));
        root.Subcommands.Add(CapabilitiesCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));

        var parsed = root.Parse(args);
        var unknownOptions = parsed.Tokens
            .Where(t => t.Type == TokenType.Argument && t.Value.StartsWith('-') && t.Value.Length > 1 && !Path.Exists(t.Value))
            .Select(t => $"Unrecognized option '{t.Value}'.");
        var errors = parsed.Errors.Select(e => e.Message).Concat(unknownOptions).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await stderr.WriteLineAsync($"worker: {error}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'worker --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: every child process (make, QEMU) was killed; no result.json claims anything.
            await stderr.WriteLineAsync("worker: cancelled").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync($"worker: internal error: {ex.GetType().Name}: {ex.Message}. Please report it with the input that caused it.").ConfigureAwait(false);
            return InternalError;
        }
    }
}

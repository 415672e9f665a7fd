using System.CommandLine;
using System.CommandLine.Parsing;

namespace Farm.Cli;

/// <summary>
/// The <c>farm</c> command line. Exit codes: 0 success, 1 the input is invalid (a Kraftfile has errors),
/// 2 a usage error (unknown command or option, missing argument).
/// </summary>
internal static class FarmCli
{
    public const int Success = 0;
    public const int InvalidInput = 1;
    public const int UsageError = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("The unikernel build farm: check, plan and build Kraftfiles for every platform.");
        root.Subcommands.Add(KraftfileCommands.Create(stdout, stderr));
        root.Subcommands.Add(PlanCommand.Create(stdout, stderr));
        root.Subcommands.Add(BuildCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));
        root.Subcommands.Add(PkgCommand.Create(stdout, stderr));
        root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
        root.Subcommands.Add(CopyCommand.Create(stdout, stderr));
        root.Subcommands.Add(CacheCommands.Create(stdout, stderr));
        root.Subcommands.Add(KeygenCommand.Create(stdout, stderr));
        root.Subcommands.Add(SignCommand.Create(stdout, stderr));
        root.Subcommands.Add(AssembleCommand.Create(stdout, stderr));
        root.Subcommands.Add(VerifyCommand.Create(stdout, stderr));

        var parsed = root.Parse(args);
        // A PATH argument swallows anything, so an unknown "--option" would be read as a path; it is a usage error.
        var unknownOptions = parsed.Tokens
            .Where(t => t.Type == TokenType.Argument && t.Value.StartsWith('-') && t.Value.Length > 1 && !Path.Exists(t.Value))
            .Select(t => $"Unrecognized option '{t.Value}'.");
        var errors = parsed.Errors.Select(e => e.Message).Concat(unknownOptions).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                stderr.WriteLine($"farm: {error}");
            }

            stderr.WriteLine("Run 'farm --help' for usage.");
            return UsageError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Bad input never gets here (it becomes diagnostics); this is a bug, reported without a stack trace.
            stderr.WriteLine($"farm: internal error: {ex.GetType().Name}: {ex.Message}. Please report it with the input that caused it.");
            return 70;
        }
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace Farm.Cli;

/// <summary>Parses and runs a <c>farm</c> command line: usage errors as <c>farm: …</c> lines, never a stack trace.</summary>
internal static class FarmCommandLine
{
    public const string Description = "The unikernel build farm: check, plan and build Kraftfiles for every platform.";

    public static int Run(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr)
    {
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
            return ExitCodes.UsageError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Bad input never gets here (it becomes diagnostics); this is a bug, reported without a stack trace.
            stderr.WriteLine($"farm: internal error: {ex.GetType().Name}: {ex.Message}. Please report it with the input that caused it.");
            return ExitCodes.InternalError;
        }
    }
}

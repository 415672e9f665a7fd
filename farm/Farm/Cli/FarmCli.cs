using System.CommandLine;

namespace Farm.Cli;

/// <summary>
/// The whole <c>farm</c> command line: the standalone commands (Farm.Cli) and those that run or talk to a farm.
/// Exit codes: <see cref="ExitCodes"/>.
/// </summary>
internal static class FarmCli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(FarmCommandLine.Description);
        foreach (var command in StandaloneCommands.Create(stdout, stderr))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(BuildCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));
        root.Subcommands.Add(CacheCommands.Create(stdout, stderr));
        return FarmCommandLine.Run(root, args, stdout, stderr);
    }
}

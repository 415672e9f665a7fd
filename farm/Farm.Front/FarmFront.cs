using System.CommandLine;
using Farm.Cli;

namespace Farm.Front;

/// <summary>
/// A release's <c>farm</c>: runs the standalone commands (Kraftfiles, plans, OCI images) natively and replaces itself
/// with the .NET farm, <c>farm-host</c> beside it, for everything else (serve, build, cache, help, usage errors),
/// so each command's output, exit code and process (systemd's main PID) are the host's own.
/// </summary>
internal static class FarmFront
{
    public static int Run(string[] args)
    {
        var standalone = StandaloneCommands.Create(Console.Out, Console.Error);
        if (args.Length == 0 || !standalone.Any(command => command.Name == args[0] || command.Aliases.Contains(args[0])))
        {
            return HostProcess.Exec(args, Console.Error);
        }

        var root = new RootCommand(FarmCommandLine.Description);
        foreach (var command in standalone)
        {
            root.Subcommands.Add(command);
        }

        return FarmCommandLine.Run(root, args, Console.Out, Console.Error);
    }
}

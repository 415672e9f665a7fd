using System.CommandLine;

namespace Farm.Cli;

/// <summary>
/// The commands that need no farm: Kraftfiles, plans and OCI images. A release's <c>farm</c> (Farm.Front, NativeAOT)
/// runs these itself in a few milliseconds and hands every other command to the .NET host, <c>farm-host</c>.
/// </summary>
internal static class StandaloneCommands
{
    public static IReadOnlyList<Command> Create(TextWriter stdout, TextWriter stderr) =>
    [
        KraftfileCommands.Create(stdout, stderr),
        PlanCommand.Create(stdout, stderr),
        PkgCommand.Create(stdout, stderr),
        InspectCommand.Create(stdout, stderr),
        CopyCommand.Create(stdout, stderr),
        KeygenCommand.Create(stdout, stderr),
        SignCommand.Create(stdout, stderr),
        AssembleCommand.Create(stdout, stderr),
        VerifyCommand.Create(stdout, stderr),
    ];
}

using System.Text.RegularExpressions;

namespace Farm.Action;

/// <summary>The farm's located messages (<c>FILE:LINE:COL: error: ...</c>) as annotations on the file, line and column.</summary>
internal static partial class Annotations
{
    public static void Report(WorkflowCommands runner, string message)
    {
        if (Located().Match(message) is { Success: true } match)
        {
            runner.Error(
                match.Groups["message"].Value,
                runner.WorkspacePath(match.Groups["file"].Value),
                int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(match.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture),
                "Kraftfile");
        }
        else
        {
            runner.Error(message);
        }
    }

    [GeneratedRegex(@"^(?<file>.+?):(?<line>\d+):(?<column>\d+): (?:error: )?(?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex Located();
}

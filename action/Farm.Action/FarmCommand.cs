namespace Farm.Action;

/// <summary>
/// How to run the <c>farm</c> CLI for a local build: <c>FARM_CLI</c> (a command line, e.g. <c>dotnet /opt/farm/farm.dll</c>;
/// action.yml sets it to the binary it published), else <c>farm</c> on PATH, else <c>dotnet run</c> of this repository's
/// farm project (a checkout of the action itself).
/// </summary>
internal sealed record FarmCommand(string FileName, IReadOnlyList<string> Prefix)
{
    public static FarmCommand? Locate(Func<string, string?> environment)
    {
        if (environment("FARM_CLI") is { Length: > 0 } configured)
        {
            var words = configured.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new FarmCommand(words[0], words[1..]);
        }

        foreach (var directory in (environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "farm");
            if (File.Exists(candidate))
            {
                return new FarmCommand(candidate, []);
            }
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var project = Path.Combine(directory.FullName, "farm", "Farm", "Farm.csproj");
            if (File.Exists(project))
            {
                return new FarmCommand("dotnet", ["run", "--project", Path.GetDirectoryName(project)!, "-c", "Release", "--"]);
            }
        }

        return null;
    }
}

namespace Farm.Worker.Pipeline;

/// <summary>The file names a target job writes into its output directory.</summary>
internal static class TargetOutputFiles
{
    public const string Result = "result.json";
    public const string Config = ".config";
    public const string Console = "console.log";
    public const string BuildLog = "build.log";
}

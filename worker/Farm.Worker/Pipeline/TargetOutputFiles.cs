namespace Farm.Worker.Pipeline;

/// <summary>The file names a target job writes into its output directory.</summary>
internal static class TargetOutputFiles
{
    public const string Result = "result.json";
    public const string Config = ".config";
    public const string Console = "console.log";
    public const string BuildLog = "build.log";

    /// <summary>The rootfs as the kernel boots it (a cpio), when it is not embedded in the kernel.</summary>
    public const string Initrd = "initrd";
}

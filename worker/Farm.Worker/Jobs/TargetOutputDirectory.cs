namespace Farm.Worker.Jobs;

/// <summary>
/// Where one target's kernel, configuration and initrd are put between make (or the runtime's fetch) and the push:
/// <c>builds/&lt;build&gt;/&lt;kernel&gt;</c> in the worker's work directory. Once the target has ended, pushed or not,
/// nothing reads it again (the registry has the image, the database the log), so it is removed: a worker kept every
/// build's kernels for ever before. The build directory (<c>o/</c>) is another place and is kept for the next build.
/// </summary>
internal sealed class TargetOutputDirectory : IDisposable
{
    public TargetOutputDirectory(string workDirectory, string buildId, string kernelFileName)
    {
        Build = Path.Combine(workDirectory, "builds", buildId);
        Location = Path.Combine(Build, kernelFileName);
    }

    public string Location { get; }

    private string Build { get; }

    public void Dispose()
    {
        try
        {
            // Recursive deletion unlinks links, never follows them.
            if (Directory.Exists(Location))
            {
                Directory.Delete(Location, recursive: true);
            }

            if (Directory.Exists(Build) && !Directory.EnumerateFileSystemEntries(Build).Any())
            {
                Directory.Delete(Build);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Another target of the same build is writing beside it, or the disk refused: what is left is removed by
            // the workspace sweep (WorkspaceJanitor) once it is old enough; nothing reads it.
        }
    }
}

using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Caching;

/// <summary>
/// The objects a build directory holds after make, by content. The directory is the sandboxed build's: only regular
/// files are read (no link is followed), each under a size cap (<see cref="FileDigests"/>).
/// </summary>
internal static class BuiltObjects
{
    public static HashSet<string> Digests(string buildDirectory)
    {
        if (!Directory.Exists(buildDirectory))
        {
            return [];
        }

        var objects = Directory.EnumerateFiles(buildDirectory, "*.o", BuildRoots.Walk).ToList();
        var digests = new FileDigests();
        digests.Prefetch(objects);
        return [.. objects.Select(digests.Of).OfType<string>()];
    }
}

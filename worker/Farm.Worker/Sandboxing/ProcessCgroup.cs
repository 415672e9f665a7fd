namespace Farm.Worker.Sandboxing;

/// <summary>
/// A pids cgroup for one sandboxed command, for workers running as root: the kernel does not apply
/// <c>RLIMIT_NPROC</c> to root's processes, even inside a user namespace, so a fork bomb would otherwise be unbounded.
/// cgroup v2 where the unified hierarchy has the pids controller, else v1's pids hierarchy; null when neither can be
/// written (the worker's start-up says so). Removed when disposed, after the command's processes are gone.
/// </summary>
internal sealed class ProcessCgroup : IDisposable
{
    private readonly string _directory;

    private ProcessCgroup(string directory)
    {
        _directory = directory;
    }

    public string ProcsFile => Path.Combine(_directory, "cgroup.procs");

    public static ProcessCgroup? TryCreate(int maxProcesses)
    {
        foreach (var root in Roots())
        {
            try
            {
                var directory = Path.Combine(root, "farm-sandbox", Guid.NewGuid().ToString("N")[..12]);
                Directory.CreateDirectory(directory);
                File.WriteAllText(Path.Combine(directory, "pids.max"), maxProcesses.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return new ProcessCgroup(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not writable here: try the next hierarchy.
            }
        }

        return null;
    }

    /// <summary>Whether a fork was refused for the limit (<c>pids.events</c>: <c>max N</c>).</summary>
    public bool HitProcessLimit()
    {
        try
        {
            return File.ReadLines(Path.Combine(_directory, "pids.events")).Any(l => l.StartsWith("max ", StringComparison.Ordinal) && l != "max 0");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        // A killed sandbox's processes take a moment to be reaped; the cgroup can go only once they are.
        for (var attempt = 0; attempt < 40 && Directory.Exists(_directory); attempt++)
        {
            try
            {
                Directory.Delete(_directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static IEnumerable<string> Roots()
    {
        const string unified = "/sys/fs/cgroup";
        if (File.Exists(Path.Combine(unified, "cgroup.controllers")) && File.ReadAllText(Path.Combine(unified, "cgroup.controllers")).Split(' ', '\n').Contains("pids"))
        {
            yield return unified;
        }

        if (Directory.Exists("/sys/fs/cgroup/pids"))
        {
            yield return "/sys/fs/cgroup/pids";
        }
    }
}

using Farm.Core.IO;
using Farm.Worker.Targets;

namespace Farm.Worker.Tests.Targets;

/// <summary>
/// The worker's disk stays bounded: app copies, kept build directories (one per pull request's scope) and left target
/// outputs unused for the configured time are removed; what a build holds now, or used recently, is not; and a link a
/// build left in its directory is removed, not followed.
/// </summary>
public sealed class WorkspaceJanitorTests : IDisposable
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Sweep_RemovesWhatNoOneUsedForTheTime_KeepsWhatIsHeldOrRecent()
    {
        var work = _temp.Combine("work");
        var now = DateTime.UtcNow;
        var oldCopy = Workspace(work, "apps/0a1b/0", now - TimeSpan.FromDays(8));
        var recentCopy = Workspace(work, "apps/0a1b/1", now - TimeSpan.FromDays(2));
        var oldBuild = Workspace(work, "o/untrusted-pr-42/app-1234/app_qemu-x86_64", now - TimeSpan.FromDays(30));
        var heldBuild = Workspace(work, "o/trusted/app-1234/app_qemu-x86_64", now - TimeSpan.FromDays(30));
        var leftOutput = Directory.CreateDirectory(Path.Combine(work, "builds", "b1", "app_qemu-x86_64")).FullName;
        Directory.SetLastWriteTimeUtc(Path.Combine(work, "builds", "b1"), now - TimeSpan.FromDays(9));
        var runningOutput = Directory.CreateDirectory(Path.Combine(work, "builds", "b2", "app_qemu-x86_64")).FullName;
        var outside = Directory.CreateDirectory(_temp.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "not the worker's");
        File.CreateSymbolicLink(Path.Combine(oldBuild, "planted"), outside);

        SweepCounts counts;
        using (FileLock.TryAcquire(WorkspaceJanitor.LockOf(heldBuild)))
        {
            counts = WorkspaceJanitor.Sweep(work, Week, now);
        }

        Assert.Equal((3, 0), (counts.Removed, counts.Failed));
        Assert.False(Directory.Exists(oldCopy));
        Assert.False(Directory.Exists(oldBuild));
        Assert.False(Directory.Exists(leftOutput));
        Assert.True(Directory.Exists(recentCopy));
        Assert.True(Directory.Exists(heldBuild));
        Assert.True(Directory.Exists(runningOutput));
        Assert.Equal("not the worker's", File.ReadAllText(Path.Combine(outside, "keep.txt")));

        // Taking a workspace marks it used: the next sweep keeps it.
        using (await WorkspaceJanitor.TakeAsync(heldBuild, TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal(0, WorkspaceJanitor.Sweep(work, Week, DateTime.UtcNow).Removed);
        Assert.True(Directory.Exists(heldBuild));
    }

    /// <summary>A workspace directory with a file, and its lock file last used at <paramref name="used"/>.</summary>
    private static string Workspace(string work, string relative, DateTime used)
    {
        var directory = Directory.CreateDirectory(Path.Combine(work, relative)).FullName;
        File.WriteAllText(Path.Combine(directory, "main.o"), "object");
        var lockPath = WorkspaceJanitor.LockOf(directory);
        File.WriteAllText(lockPath, string.Empty);
        File.SetLastWriteTimeUtc(lockPath, used);
        return directory;
    }
}

using Farm.Cache.Store;
using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Tests.Caching;

/// <summary>
/// A finished build recorded and written back into another build directory, as Unikraft leaves its objects: each
/// object beside a Kbuild (fixdep) dependency file. Only objects whose inputs are unchanged come back, for the new
/// roots, and nothing a hostile build left in its directory makes the worker read or write outside the build's roots.
/// </summary>
public sealed class BuildSnapshotsTests : IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Restore_InAnotherDirectoryWithOneSourceChanged_WritesBackTheOthersForTheNewRootsAndLeavesTheChangedOne()
    {
        var first = Checkout("a");
        var snapshots = Snapshots(CacheScope.TrustedScope);
        Assert.Equal(2, snapshots.Capture(Key, first.Roots, first.Build, $"CONFIG_UK_APP=\"{first.App}\"\n", first.Core));
        var second = Checkout("b", built: false);
        File.AppendAllText(Path.Combine(second.App, "other.c"), "int changed;\n");
        var before = DateTime.UtcNow.AddSeconds(-1);

        var snapshot = snapshots.Find(Key)!;
        var restore = snapshots.Restore(snapshot, second.Roots, second.Build);

        Assert.Equal((1, 2), (restore.Restored, restore.Total));
        Assert.Equal(["app/other.o"], restore.Changed);
        Assert.Equal("object of main.c", File.ReadAllText(Path.Combine(second.Build, "app", "main.o")));
        Assert.False(File.Exists(Path.Combine(second.Build, "app", "other.o")));
        var dependencies = File.ReadAllText(Path.Combine(second.Build, "app", "main.d"));
        Assert.Contains($"source_{second.Build}/app/main.o := {second.App}/main.c", dependencies, StringComparison.Ordinal);
        Assert.DoesNotContain(first.Root, dependencies, StringComparison.Ordinal);
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(second.Build, "app", "main.o")) >= before);
        Assert.Equal($"CONFIG_UK_APP=\"{second.App}\"\n", second.Roots.PathAll(snapshot.Config));
        Assert.Equal(0, restore.Libraries);
        Assert.False(File.Exists(Path.Combine(second.Build, "app.ld.o")));
    }

    [Fact]
    public void Restore_EveryObjectOfALibraryUnchanged_BringsBackWhatWasLinkedFromThemAtTheSameTime()
    {
        var first = Checkout("a");
        var snapshots = Snapshots(CacheScope.TrustedScope);
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Checkout("b", built: false);

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal((2, 1), (restore.Restored, restore.Libraries));
        Assert.Equal("app linked", File.ReadAllText(Path.Combine(second.Build, "app.ld.o")));
        Assert.Equal("app copied", File.ReadAllText(Path.Combine(second.Build, "app.o")));
        // make relinks what is older than one of its objects: the linked files must not be.
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(second.Build, "app.ld.o")) >= File.GetLastWriteTimeUtc(Path.Combine(second.Build, "app", "main.o")));
    }

    [Fact]
    public void Restore_GeneratedHeaderNamingAnotherAppDirectory_RestoresNothingThatIncludesIt()
    {
        // With -g3 an object carries config.h's macros, CONFIG_UK_APP among them: another app path is another object.
        var first = Checkout("a");
        var snapshots = Snapshots(CacheScope.TrustedScope);
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Checkout("b", built: false);
        File.WriteAllText(Path.Combine(second.Build, "include", "config.h"), $"#define CONFIG_UK_APP \"{second.App}\"\n");

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal(0, restore.Restored);
        Assert.Equal(["app/main.o", "app/other.o"], restore.Changed);
    }

    [Fact]
    public void Restore_ObjectChangedInTheCache_IsNotWritten()
    {
        var first = Checkout("a");
        var snapshots = Snapshots(CacheScope.TrustedScope);
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        foreach (var stored in Directory.EnumerateFiles(_temp.Combine("cache", "v1", "cas"), "*", SearchOption.AllDirectories))
        {
            File.WriteAllText(stored, "planted");
        }

        var second = Checkout("b", built: false);
        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal(0, restore.Restored);
        Assert.Empty(Directory.EnumerateFiles(second.Build, "*.o", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/usr/../etc/passwd")]
    [InlineData("relative/header.h")]
    public void Capture_DependencyFileListingAFileOutsideTheRoots_LeavesThatObjectOut(string planted)
    {
        var first = Checkout("a");
        var main = Path.Combine(first.Build, "app", "main.d");
        File.WriteAllText(main, File.ReadAllText(main).Replace("    $(wildcard", $"  {planted} \\\n    $(wildcard", StringComparison.Ordinal));

        var captured = Snapshots(CacheScope.TrustedScope).Capture(Key, first.Roots, first.Build, string.Empty, first.Core);

        Assert.Equal(1, captured);
        Assert.DoesNotContain(Snapshots(CacheScope.TrustedScope).Find(Key)!.Objects, o => o.Path == "app/main.o");
    }

    [Fact]
    public void Restore_BuildLeftALinkWhereAnObjectGoes_DoesNotWriteThroughIt()
    {
        var first = Checkout("a");
        var snapshots = Snapshots(CacheScope.TrustedScope);
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Checkout("b", built: false);
        var elsewhere = Directory.CreateDirectory(_temp.Combine("elsewhere")).FullName;
        Directory.Delete(Path.Combine(second.Build, "app"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(second.Build, "app"), elsewhere);

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal(0, restore.Restored);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public void Find_AnUntrustedBuildsSnapshot_IsNotSeenByTrustedBuilds()
    {
        var first = Checkout("a");
        var untrusted = Snapshots(CacheScope.Parse("pr-42"));
        untrusted.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);

        Assert.Null(Snapshots(CacheScope.TrustedScope).Find(Key));
        Assert.NotNull(untrusted.Find(Key));

        Snapshots(CacheScope.TrustedScope).Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        Assert.NotNull(Snapshots(CacheScope.Parse("pr-43")).Find(Key));
    }

    [Fact]
    public void Capture_ReadOnlyCache_RecordsNothing()
    {
        var first = Checkout("a");

        Assert.Equal(0, new BuildSnapshots(new LocalDiskTier(_temp.Combine("cache"), long.MaxValue), CacheScope.TrustedScope, readOnly: true).Capture(Key, first.Roots, first.Build, string.Empty, first.Core));
        Assert.Null(Snapshots(CacheScope.TrustedScope).Find(Key));
    }

    [Fact]
    public void Parse_KbuildAndOtherDependencyFiles_ListsOnlyKbuildsFiles()
    {
        const string kbuild = "cmd_/b/x.o := /bin/bash /b/x.o.cmd\n\nsource_/b/x.o := /s/x.c\n\ndeps_/b/x.o := \\\n    $(wildcard include/config/a.h) \\\n  /s/x.h \\\n  /b/include/config.h \\\n\n/b/x.o: $(deps_/b/x.o)\n\n$(deps_/b/x.o):\n";

        Assert.Equal(["/s/x.c", "/s/x.h", "/b/include/config.h"], DependencyFileInputs.Parse(kbuild));
        Assert.Null(DependencyFileInputs.Parse("/b/x.o: /s/x.c /s/x.h\n/s/x.h:\n"));
    }

    private BuildSnapshots Snapshots(CacheScope scope) => new(new LocalDiskTier(_temp.Combine("cache"), long.MaxValue), scope);

    private KbuildTree Checkout(string name, bool built = true) => KbuildTree.Create(_temp.Combine(name), built);
}

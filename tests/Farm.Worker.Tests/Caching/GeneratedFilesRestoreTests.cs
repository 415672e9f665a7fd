using System.Security.Cryptography;
using Farm.Cache.Store;
using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Tests.Caching;

/// <summary>
/// The files make generates before compiling (kconfig's header and programs, libuklibid's header made by awk from
/// libraries.in), recorded with a build and written back into a fresh build directory so that one make run suffices;
/// the key that says when they may be; and the capture after a restore, which reads again only what make wrote.
/// Every shortcut is attacked: wrong stored contents, paths out of the build directory, links, changed inputs.
/// </summary>
public sealed class GeneratedFilesRestoreTests : IDisposable
{
    private const string Key = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Restore_GeneratedFilesOfAnEarlierBuild_ComeBackForTheNewRootsBeforeTheObjectsThatIncludeThem()
    {
        var first = Built("a");
        var snapshots = Snapshots();
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Fresh("b");

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal((4, 4), restore.Generated);
        Assert.Equal((1, 1), (restore.Restored, restore.Total));
        Assert.Equal($"#define CONFIG_UK_BASE \"{second.Core}\"\n", File.ReadAllText(Path.Combine(second.Build, "include", "uk", "bits", "config.h")));
        Assert.Equal("#define LIBID 7\n", File.ReadAllText(Path.Combine(second.Build, "libuklibid", "include", "libid.h")));
        Assert.NotEqual((UnixFileMode)0, File.GetUnixFileMode(Path.Combine(second.Build, "kconfig", "conf")) & UnixFileMode.UserExecute);
        // make remakes a file older than one of its prerequisites: the header and the object it is in share one time.
        Assert.Equal(File.GetLastWriteTimeUtc(Path.Combine(second.Build, "libuklibid", "include", "libid.h")), File.GetLastWriteTimeUtc(Path.Combine(second.Build, "app", "main.o")));
    }

    [Fact]
    public void Restore_GeneratedHeaderStoredWithOtherContents_IsNotWrittenNorTheObjectsThatIncludeIt()
    {
        var first = Built("a");
        var snapshots = Snapshots();
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var stored = Convert.ToHexStringLower(SHA256.HashData("#define LIBID 7\n"u8.ToArray()));
        var planted = Directory.EnumerateFiles(_temp.Combine("cache"), stored + "*", SearchOption.AllDirectories).Single();
        File.WriteAllText(planted, "#define LIBID 8\n");
        var second = Fresh("b");

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.False(File.Exists(Path.Combine(second.Build, "libuklibid", "include", "libid.h")));
        Assert.Equal(0, restore.Restored);
        Assert.Equal(["app/main.o"], restore.Changed);
    }

    [Fact]
    public void Restore_GeneratorScriptChanged_LeavesTheHeaderAndItsObjectsToMake()
    {
        var first = Built("a");
        var snapshots = Snapshots();
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Fresh("b");
        File.AppendAllText(Path.Combine(second.Core, "lib", "libid.awk"), "# changed\n");

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal((3, 4), restore.Generated);
        Assert.False(File.Exists(Path.Combine(second.Build, "libuklibid", "include", "libid.h")));
        Assert.Equal(0, restore.Restored);
    }

    [Theory]
    [InlineData("../outside.h")]
    [InlineData("/tmp/farm-generated-outside.h")]
    [InlineData("libuklibid/../../outside.h")]
    public void Restore_GeneratedPathOutOfTheBuildDirectory_IsNotWritten(string path)
    {
        var first = Built("a");
        var tier = new LocalDiskTier(_temp.Combine("cache"), long.MaxValue);
        var snapshots = Snapshots();
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var snapshot = snapshots.Find(Key)!;
        var hostile = snapshot with { Generated = [.. snapshot.Generated.Select(g => g with { Path = path })] };
        tier.PutAction(CacheScope.TrustedScope.WriteScope, Key, hostile.ToBytes());
        var second = Fresh("b");

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Equal(0, restore.Generated.Restored);
        Assert.False(File.Exists(Path.GetFullPath(Path.Combine(second.Build, path))));
        Assert.False(File.Exists("/tmp/farm-generated-outside.h"));
    }

    [Fact]
    public void Restore_LinkWhereAGeneratedFileOrItsDirectoryGoes_IsNotWrittenThrough()
    {
        var first = Built("a");
        var snapshots = Snapshots();
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Fresh("b");
        var elsewhere = Directory.CreateDirectory(_temp.Combine("elsewhere")).FullName;
        var victim = _temp.Combine("victim");
        File.WriteAllText(victim, "host file");
        Directory.CreateSymbolicLink(Path.Combine(second.Build, "libuklibid"), elsewhere);
        Directory.CreateDirectory(Path.Combine(second.Build, "kconfig"));
        File.CreateSymbolicLink(Path.Combine(second.Build, "kconfig", "conf"), victim);

        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);

        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        Assert.Equal("host file", File.ReadAllText(victim));
        Assert.Equal(1, restore.Generated.Restored);
    }

    [Fact]
    public void Capture_GeneratedFileWhoseCommandNamesAFileOutsideTheRoots_IsNotRecorded()
    {
        var first = Built("a");
        var command = Path.Combine(first.Build, "libuklibid", "include", "libid.h.cmd");
        File.WriteAllText(command, File.ReadAllText(command).Replace("awk -f", "awk -f /etc/passwd -f", StringComparison.Ordinal));

        Snapshots().Capture(Key, first.Roots, first.Build, string.Empty, first.Core);

        Assert.DoesNotContain(Snapshots().Find(Key)!.Generated, g => g.Path == "libuklibid/include/libid.h");
    }

    [Fact]
    public void Capture_AfterARestore_HashesWhatMakeRecompiledAndKeepsWhatItLeft()
    {
        var first = Built("a");
        var snapshots = Snapshots();
        snapshots.Capture(Key, first.Roots, first.Build, string.Empty, first.Core);
        var second = Fresh("b");
        var restore = snapshots.Restore(snapshots.Find(Key)!, second.Roots, second.Build);
        var before = snapshots.Find(Key)!;
        // make compiles main.o again (a later time); the build also puts other bytes in libid.h and sets its time back.
        var main = Path.Combine(second.Build, "app", "main.o");
        File.WriteAllText(main, "object of main.c, compiled again");
        File.SetLastWriteTimeUtc(main, restore.At.AddSeconds(1));
        var header = Path.Combine(second.Build, "libuklibid", "include", "libid.h");
        File.WriteAllText(header, "#define LIBID 666\n");
        File.SetLastWriteTimeUtc(header, restore.At);

        snapshots.Capture(Key, second.Roots, second.Build, string.Empty, second.Core, restore);

        var after = snapshots.Find(Key)!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(main))), after.Objects.Single(o => o.Path == "app/main.o").Digest);
        // The header's entry names the restored content, stored by digest: the next build gets that, not the build's.
        var (was, now) = (before.Generated.Single(g => g.Path == "libuklibid/include/libid.h"), after.Generated.Single(g => g.Path == "libuklibid/include/libid.h"));
        Assert.Equal(was.Digest, now.Digest);
        Assert.Equal(was.Inputs.Select(i => before.Inputs[i]), now.Inputs.Select(i => after.Inputs[i]));
        Assert.Equal(before.Objects.Count, after.Objects.Count);
    }

    [Theory]
    [InlineData("app/Config.uk")]
    [InlineData("app/Makefile.uk")]
    [InlineData("core/support/kconfig/conf.c")]
    public void Key_KconfigOrMakefileOrKconfigSourceChanged_IsAnotherKey(string file)
    {
        var tree = Fresh("a");
        var before = KeyOf(tree, "version ~abc");

        File.AppendAllText(Path.Combine(tree.Root, file), "\n# changed\n");

        Assert.NotEqual(before, KeyOf(tree, "version ~abc"));
    }

    [Fact]
    public void Key_CoreVersionChangedOrASourceChanged_IsAnotherKeyOnlyForTheVersion()
    {
        var tree = Fresh("a");
        var before = KeyOf(tree, "version ~abc");

        File.AppendAllText(Path.Combine(tree.App, "main.c"), "int changed;\n");

        Assert.Equal(before, KeyOf(tree, "version ~abc"));
        Assert.NotEqual(before, KeyOf(tree, "version ~abc-custom"));
    }

    private static string KeyOf(Tree tree, string version) =>
        BuildSnapshotKey.Compute("helloworld/kernel", "CONFIG_X=y\n", "gcc 1", [version], tree.Roots, tree.Build);

    private BuildSnapshots Snapshots() => new(new LocalDiskTier(_temp.Combine("cache"), long.MaxValue), CacheScope.TrustedScope);

    /// <summary>A build directory as make leaves it: kconfig's header and program, libraries.in and libid.h made from it by an awk script of the core, and main.o including libid.h.</summary>
    private Tree Built(string name)
    {
        var tree = Fresh(name);
        var build = tree.Build;
        Write(build, "include/uk/bits/config.h", $"#define CONFIG_UK_BASE \"{tree.Core}\"\n");
        Write(build, "kconfig/conf", "\u007fELF program");
        File.SetUnixFileMode(Path.Combine(build, "kconfig", "conf"), (UnixFileMode)0b111_101_101);
        var libraries = Write(build, "libuklibid/libraries.in", "libkvmplat\napphelloworld\n");
        Write(build, "libraries.in.cmd", $"cmp -s {libraries}.new {libraries}; if [ $? -ne 0 ]; then cp {libraries}.new {libraries}; fi");
        var header = Write(build, "libuklibid/include/libid.h", "#define LIBID 7\n");
        Write(build, "libuklibid/include/libid.h.cmd", $"awk -f {tree.Core}/lib/libid.awk {libraries} > {header}");
        var main = Write(build, "app/main.o", "object of main.c");
        Write(build, "app/main.d", $"cmd_{main} := /bin/bash {main}.cmd\n\nsource_{main} := {tree.App}/main.c\n\ndeps_{main} := \\\n  {header} \\\n\n{main}: $(deps_{main})\n");
        return tree;
    }

    /// <summary>Sources (core with a generator script and kconfig sources, app) and an empty build directory.</summary>
    private Tree Fresh(string name)
    {
        var root = Directory.CreateDirectory(_temp.Combine(name)).FullName;
        var core = Path.Combine(root, "core");
        var app = Path.Combine(root, "app");
        var build = Directory.CreateDirectory(Path.Combine(root, "build")).FullName;
        Write(core, "lib/libid.awk", "{ print \"#define LIBID 7\" }\n");
        Write(core, "support/kconfig/conf.c", "int main(void) { return 0; }\n");
        Write(core, "Makefile", "all:\n");
        Write(app, "main.c", "int main(void) { return 0; }\n");
        Write(app, "Makefile.uk", "$(eval $(call addlib,apphelloworld))\n");
        Write(app, "Config.uk", "config APPHELLOWORLD\n\tbool\n");
        return new Tree(root, core, app, build, new BuildRoots([(build, "/farm/build"), (core, "/farm/unikraft"), (app, "/farm/app")]));
    }

    private static string Write(string directory, string relative, string text)
    {
        var path = Path.Combine(directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private sealed record Tree(string Root, string Core, string App, string Build, BuildRoots Roots);
}

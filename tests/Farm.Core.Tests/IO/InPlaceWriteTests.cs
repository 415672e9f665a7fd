using Farm.Core.IO;
using Farm.Tests.Shared;

namespace Farm.Core.Tests.IO;

/// <summary>
/// What a whole-file write may replace: nothing but a regular file. A device stays a device, a fifo is not opened
/// (no hang), a link is not followed, and no staging file is left beside the destination.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InPlaceWriteTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-inplace-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string At(string name) => Path.Combine(_work, name);

    [Fact]
    public void WriteAllBytes_DestinationAbsentOrRegular_WritesWithoutStagingLeft()
    {
        InPlaceWrite.WriteAllBytes(At("a"), "one"u8);
        InPlaceWrite.WriteAllBytes(At("a"), "two"u8);

        Assert.Equal("two", File.ReadAllText(At("a")));
        Assert.Equal(["a"], Directory.EnumerateFileSystemEntries(_work).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAllBytes_DestinationIsCharacterDevice_RefusedAndStillADevice()
    {
        Assert.SkipUnless(SpecialFiles.CanMakeDevices, "mknod needs root");
        var device = SpecialFiles.NullDevice(At("null"));

        var refused = Assert.Throws<RefusedWriteException>(() => InPlaceWrite.WriteAllBytes(device, "x"u8));

        Assert.Equal("character special file", SpecialFiles.TypeOf(device));
        Assert.Contains(device, refused.Message, StringComparison.Ordinal);
        Assert.Contains("a character device, not a regular file", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["null"], Directory.EnumerateFileSystemEntries(_work).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAllBytes_DestinationIsSymlinkToOutsideFile_RefusedAndOutsideUnchanged()
    {
        var outside = At("outside");
        File.WriteAllText(outside, "untouched");
        File.CreateSymbolicLink(At("link"), outside);

        Assert.Throws<RefusedWriteException>(() => InPlaceWrite.WriteAllBytes(At("link"), "x"u8));

        Assert.Equal("untouched", File.ReadAllText(outside));
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(At("link")));
    }

    [Fact]
    public void WriteAllBytes_DestinationIsDanglingSymlink_RefusedAndNothingCreated()
    {
        File.CreateSymbolicLink(At("link"), At("created-through-the-link"));

        Assert.Throws<RefusedWriteException>(() => InPlaceWrite.WriteAllBytes(At("link"), "x"u8));

        Assert.False(File.Exists(At("created-through-the-link")));
    }

    [Fact]
    public async Task WriteAllBytesAsync_DestinationIsFifo_RefusedWithoutHanging()
    {
        var fifo = SpecialFiles.Fifo(At("fifo"));

        var write = InPlaceWrite.WriteAllBytesAsync(fifo, new byte[] { 1 }, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<RefusedWriteException>(() => write.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal("fifo", SpecialFiles.TypeOf(fifo));
    }

    [Fact]
    public async Task WriteAllTextAsync_DestinationIsDirectory_Refused()
    {
        Directory.CreateDirectory(At("dir"));

        await Assert.ThrowsAsync<RefusedWriteException>(() => InPlaceWrite.WriteAllTextAsync(At("dir"), "x", TestContext.Current.CancellationToken));

        Assert.True(Directory.Exists(At("dir")));
    }

    [Fact]
    public async Task CopyAsync_DestinationIsSymlink_RefusedAndOutsideUnchanged()
    {
        File.WriteAllText(At("kernel"), "new kernel");
        File.WriteAllText(At("outside"), "untouched");
        File.CreateSymbolicLink(At("copy"), At("outside"));

        await Assert.ThrowsAsync<RefusedWriteException>(() => InPlaceWrite.CopyAsync(At("kernel"), At("copy"), TestContext.Current.CancellationToken));

        Assert.Equal("untouched", File.ReadAllText(At("outside")));
    }

    [Fact]
    public async Task CopyAsync_ExecutableSource_CopyKeepsItsMode()
    {
        File.WriteAllText(At("kernel"), "elf");
        File.SetUnixFileMode(At("kernel"), (UnixFileMode)0x1ED);

        await InPlaceWrite.CopyAsync(At("kernel"), At("copy"), TestContext.Current.CancellationToken);

        Assert.Equal("elf", File.ReadAllText(At("copy")));
        Assert.True(File.GetUnixFileMode(At("copy")).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void CreateNew_DestinationIsSymlink_RefusedAndOutsideUnchanged()
    {
        File.WriteAllText(At("outside"), "untouched");
        File.CreateSymbolicLink(At("build.log"), At("outside"));

        Assert.Throws<RefusedWriteException>(() => InPlaceWrite.CreateNew(At("build.log")));

        Assert.Equal("untouched", File.ReadAllText(At("outside")));
    }

    [Fact]
    public void CreateNew_RegularFile_StartsEmpty()
    {
        File.WriteAllText(At("build.log"), "old run");

        using (var stream = InPlaceWrite.CreateNew(At("build.log")))
        {
            stream.Write("new"u8);
        }

        Assert.Equal("new", File.ReadAllText(At("build.log")));
    }

    [Fact]
    public void FileKindsOf_EachKind_IsToldApartWithoutFollowingLinks()
    {
        File.WriteAllText(At("file"), "x");
        Directory.CreateDirectory(At("dir"));
        File.CreateSymbolicLink(At("link-to-file"), At("file"));
        SpecialFiles.Fifo(At("fifo"));

        Assert.Equal(FileKind.Regular, FileKinds.Of(At("file")));
        Assert.Equal(FileKind.Directory, FileKinds.Of(At("dir")));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(At("link-to-file")));
        Assert.Equal(FileKind.Fifo, FileKinds.Of(At("fifo")));
        Assert.Equal(FileKind.Absent, FileKinds.Of(At("missing")));
        Assert.Equal(FileKind.Absent, FileKinds.Of(At("missing/below")));
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
    }
}

using Farm.Tests.Shared;

namespace Farm.Worker.Tests.Cli;

/// <summary>
/// An output directory whose result.json, kernel or build.log is a link or a device: the worker refuses it by path
/// before building, deletes nothing, and writes nothing through it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BuildTargetDestinationTests
{
    [Theory]
    [InlineData("result.json")]
    [InlineData("build.log")]
    [InlineData("garbage_qemu-x86_64")]
    public async Task BuildTarget_OutputFileIsSymlinkToOutsideFile_RefusedByPathAndOutsideUnchanged(string name)
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "garbage", string.Empty);
        var outside = temp.Combine("outside.txt");
        File.WriteAllText(outside, "untouched");
        Directory.CreateDirectory(temp.Combine("out"));
        File.CreateSymbolicLink(temp.Combine("out", name), outside);

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{temp.Combine("out", name)} is a symbolic link, not a regular file", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("untouched", File.ReadAllText(outside));
        Assert.Equal("symbolic link", SpecialFiles.TypeOf(temp.Combine("out", name)));
    }

    [Fact]
    public async Task BuildTarget_KernelIsCharacterDevice_RefusedAndStillADevice()
    {
        Assert.SkipUnless(SpecialFiles.CanMakeDevices, "mknod needs root");
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "garbage", string.Empty);
        Directory.CreateDirectory(temp.Combine("out"));
        var device = SpecialFiles.NullDevice(temp.Combine("out", "garbage_qemu-x86_64"));

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{device} is a character device, not a regular file", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("character special file", SpecialFiles.TypeOf(device));
    }
}

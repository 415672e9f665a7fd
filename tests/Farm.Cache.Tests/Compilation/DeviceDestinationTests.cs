using Farm.Cache.Tests.Support;
using Farm.Tests.Shared;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// Compiles whose outputs are not regular files (every configure script compiles <c>-o /dev/null</c>) run uncached,
/// with the real gcc, and leave the device, fifo or link as gcc alone would. Each runs twice: a hit is what used to
/// rename a regular file over the device. The host's own <c>/dev/null</c> is only compiled to once a private device
/// (1,3 made with mknod in the test's directory) came through unharmed, so a regression breaks the test, not the host.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeviceDestinationTests
{
    private const string OutputRefused = "uncacheable output_is_not_a_regular_file";
    private const string DependencyFileRefused = "uncacheable dependency_file_is_not_a_regular_file";
    private const string CharacterDevice = "character special file";

    [Fact]
    public void Run_OutputIsCharacterDevice_RunsUncachedAndLeavesTheDevice()
    {
        Assert.SkipUnless(SpecialFiles.CanMakeDevices, "mknod needs root");
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        var device = SpecialFiles.NullDevice(temp.Combine("null"));
        var gcc = PlainGcc.Run(temp.Path, "-O2", "-c", "a.c", "-o", device);

        var runs = new[] { Compile(settings, temp, "-o", device), Compile(settings, temp, "-o", device) };

        Assert.Equal(CharacterDevice, SpecialFiles.TypeOf(device));
        Assert.All(runs, run => AssertUncached(run, gcc, OutputRefused));
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));

        var host = new[] { Compile(settings, temp, "-o", "/dev/null"), Compile(settings, temp, "-o", "/dev/null") };

        Assert.Equal(CharacterDevice, SpecialFiles.TypeOf("/dev/null"));
        Assert.All(host, run => Assert.Equal(("exit 0", OutputRefused), ($"exit {run.ExitCode}", string.Join(", ", run.Events))));
    }

    [Fact]
    public void Run_DependencyFileIsCharacterDevice_RunsUncachedAndWritesGccsObject()
    {
        Assert.SkipUnless(SpecialFiles.CanMakeDevices, "mknod needs root");
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        var device = SpecialFiles.NullDevice(temp.Combine("null"));
        var gcc = PlainGcc.Run(temp.Path, "-O2", "-MD", "-MF", device, "-c", "a.c", "-o", "gcc.o");

        var runs = new[] { Compile(settings, temp, "-MD", "-MF", device, "-o", "a.o"), Compile(settings, temp, "-MD", "-MF", device, "-o", "a.o") };

        Assert.Equal(CharacterDevice, SpecialFiles.TypeOf(device));
        Assert.All(runs, run => AssertUncached(run, gcc, DependencyFileRefused));
        Assert.Equal(File.ReadAllBytes(temp.Combine("gcc.o")), File.ReadAllBytes(temp.Combine("a.o")));
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));

        var host = new[] { Compile(settings, temp, "-MD", "-MF", "/dev/null", "-o", "a.o"), Compile(settings, temp, "-MD", "-MF", "/dev/null", "-o", "a.o") };

        Assert.Equal(CharacterDevice, SpecialFiles.TypeOf("/dev/null"));
        Assert.All(host, run => Assert.Equal([DependencyFileRefused], run.Events));
    }

    [Fact]
    public void Run_OutputToStandardOutput_RunsUncachedAndCreatesNoFile()
    {
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        var gcc = PlainGcc.Run(temp.Path, "-O2", "-c", "a.c", "-o", "-");

        var run = Compile(settings, temp, "-o", "-");

        Assert.Equal(gcc.ExitCode, run.ExitCode);
        Assert.Equal(["uncacheable -o_-_(output_to_standard_output)"], run.Events);
        Assert.False(File.Exists(temp.Combine("-")));
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_CachedOutputIsSymlinkToOutsideFile_RunsUncachedAndLeavesTheOutsideFile()
    {
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        Assert.True(Compile(settings, temp, "-o", "a.o").Has("stored trusted"));
        var expected = File.ReadAllBytes(temp.Combine("a.o"));
        File.Delete(temp.Combine("a.o"));
        var outside = temp.Write("outside/victim.txt", "untouched");
        File.CreateSymbolicLink(temp.Combine("a.o"), outside);

        var run = Compile(settings, temp, "-o", "a.o");

        Assert.Equal(("exit 0", OutputRefused), ($"exit {run.ExitCode}", string.Join(", ", run.Events)));
        Assert.Equal("untouched", File.ReadAllText(outside));
        Assert.Equal(expected, File.ReadAllBytes(temp.Combine("a.o")));
    }

    [Fact]
    public async Task Run_CachedOutputIsFifo_RunsUncachedWithoutHangingAndLeavesTheFifo()
    {
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        Assert.True(Compile(settings, temp, "-o", "a.o").Has("stored trusted"));
        File.Delete(temp.Combine("a.o"));
        var fifo = SpecialFiles.Fifo(temp.Combine("a.o"));
        var gcc = PlainGcc.Run(temp.Path, "-O2", "-c", "a.c", "-o", fifo);

        var run = await Task.Run(() => Compile(settings, temp, "-o", "a.o"), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal((gcc.ExitCode, OutputRefused), (run.ExitCode, string.Join(", ", run.Events)));
        Assert.Equal("fifo", SpecialFiles.TypeOf(fifo));
    }

    /// <summary>The run did exactly what gcc alone did, and counted why it did not cache.</summary>
    private static void AssertUncached(CompileRun run, (int ExitCode, string Stderr) gcc, string reason) =>
        Assert.Equal((gcc.ExitCode, gcc.Stderr, reason), (run.ExitCode, run.Stderr, string.Join(", ", run.Events)));

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("a.c", "int answer(void) { return 42; }\n");
        return temp;
    }

    private static CompileRun Compile(CacheSettings settings, TempDirectory temp, params string[] more) =>
        CompileRun.Of(settings, temp.Path, ["-O2", "-c", "a.c", .. more]);
}

using System.Diagnostics;
using Farm.Core.Oci;
using Farm.Core.Oci.Packaging;

namespace Farm.Core.Tests.Oci.Packaging;

/// <summary>
/// Byte-identical layers: the kernel tar the farm writes is the tar kraft writes for the same kernel (KraftKit's
/// archive.TarFileWriter over Go's archive/tar), so both give the same layer digest. Checked against Go itself
/// (Debian golang-go, installed by tests/install-packages.sh). Python's tarfile is no lighter stand-in: it writes the
/// device fields as NUL bytes, as .NET's TarWriter does, where Go writes <c>0000000\0</c>, and it pads the archive to
/// a 10 KiB record, which Go does not.
/// </summary>
public sealed class KraftLayerBytesTests
{
    // KraftKit's flow for `kraft pkg`: FileInfoHeader, then its resets (name, owner, WithStripTimes).
    private const string GoTar = """
        package main

        import ("archive/tar"; "io"; "os"; "time")

        func main() {
        	fi, _ := os.Stat(os.Args[1]); out, _ := os.Create(os.Args[3]); tw := tar.NewWriter(out)
        	h, _ := tar.FileInfoHeader(fi, ""); h.Name = os.Args[2]; h.Uid = 0; h.Gid = 0; h.Uname = ""; h.Gname = ""
        	h.ModTime = time.Time{}; h.AccessTime = time.Time{}; h.ChangeTime = time.Time{}
        	if err := tw.WriteHeader(h); err != nil { panic(err) }
        	in, _ := os.Open(os.Args[1]); io.Copy(tw, in); tw.Close(); out.Close()
        }
        """;

    public static TheoryData<int, int> Kernels => new() { { 0, 0x1ED }, { 1, 0x1ED }, { 511, 0x1A4 }, { 512, 0x1ED }, { 246_536, 0x1ED } };

    [Theory]
    [MemberData(nameof(Kernels))]
    public async Task KernelLayer_IsByteIdenticalToGosArchiveTar(int size, int mode)
    {
        Assert.SkipWhen(Find("go") is null, "no Go toolchain (Debian: golang-go; tests/install-packages.sh installs it) to write the reference tar");
        using var temp = new TempDir();
        var kernel = Kernel(temp, size, mode);
        var program = Path.Combine(temp.Path, "tar.go");
        await File.WriteAllTextAsync(program, GoTar, TestContext.Current.CancellationToken);

        await RunAsync("go", ["run", program, kernel, "unikraft/bin/kernel", Path.Combine(temp.Path, "go.tar")], temp.Path);

        var expected = await File.ReadAllBytesAsync(Path.Combine(temp.Path, "go.tar"), TestContext.Current.CancellationToken);
        var ours = SingleFileTar.Create("unikraft/bin/kernel", await File.ReadAllBytesAsync(kernel, TestContext.Current.CancellationToken), (UnixFileMode)mode);
        Assert.Equal(Digest.Of(expected), Digest.Of(ours));
        Assert.Equal(expected, ours);
    }

    [Fact]
    public void KernelLayer_DeviceFieldsAreOctalZeroAndTheArchiveEndsAfterTwoZeroBlocks()
    {
        var tar = SingleFileTar.Create("unikraft/bin/kernel", [1, 2, 3], (UnixFileMode)0x1ED);

        Assert.Equal("0000000\0"u8.ToArray(), tar[329..337]);
        Assert.Equal("0000000\0"u8.ToArray(), tar[337..345]);
        Assert.Equal("0000755\0"u8.ToArray(), tar[100..108]);
        Assert.Equal(512 + 512 + 1024, tar.Length);
        Assert.Equal((byte)' ', tar[155]);
        Assert.Equal(0, tar[154]);
    }

    [Fact]
    public void KernelLayer_NameLongerThanAUstarNameField_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => SingleFileTar.Create(new string('a', 101), [1], (UnixFileMode)0x1ED));
    }

    private static string Kernel(TempDir temp, int size, int mode)
    {
        var path = Path.Combine(temp.Path, "kernel");
        File.WriteAllBytes(path, Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }
        return path;
    }

    private static async Task RunAsync(string program, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GOCACHE"] = Path.Combine(directory, "gocache");
        start.Environment["GOFLAGS"] = "-mod=mod";
        start.Environment["GO111MODULE"] = "off";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, $"{program} failed: {await stderr}");
    }

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("farm-tar-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

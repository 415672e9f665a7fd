using System.Diagnostics;
using Farm.Core.Rootfs;

namespace Farm.Core.Tests.Rootfs;

/// <summary>The initrd writer: the same tree gives the same bytes wherever and whenever it was made, and GNU cpio reads it back.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CpioWriterTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-cpio-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Tree(string name, DateTime stamp)
    {
        var root = Path.Combine(_work, name);
        Directory.CreateDirectory(Path.Combine(root, "etc", "app"));
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.WriteAllText(Path.Combine(root, "etc", "app", "message.txt"), "Hello from the rootfs\n");
        File.WriteAllBytes(Path.Combine(root, "bin", "tool"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 1, 2]);
        File.SetUnixFileMode(Path.Combine(root, "bin", "tool"), (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(root, "etc", "motd"), "app/message.txt");
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Where(e => new FileInfo(e).LinkTarget is null))
        {
            File.SetLastWriteTimeUtc(entry, stamp);
        }

        return root;
    }

    [Fact]
    public void Write_SameTreeAtAnotherPathAndTime_GivesTheSameBytes()
    {
        var first = CpioWriter.Write(CpioWriter.EntriesOf(Tree("a", new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc))));
        var second = CpioWriter.Write(CpioWriter.EntriesOf(Tree("elsewhere", new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc))));

        Assert.Equal(first, second);
        Assert.Equal("070701", System.Text.Encoding.ASCII.GetString(first, 0, 6));
        Assert.Equal(0, first.Length % 4);
    }

    [Fact]
    public async Task Write_GnuCpioListsAndExtractsIt_OwnedByRootAtTheEpoch()
    {
        var archive = Path.Combine(_work, "initrd.cpio");
        await File.WriteAllBytesAsync(archive, CpioWriter.Write(CpioWriter.EntriesOf(Tree("a", DateTime.UtcNow))), TestContext.Current.CancellationToken);
        var extracted = Directory.CreateDirectory(Path.Combine(_work, "out")).FullName;

        var list = await CpioAsync(_work, archive, "-it");
        var verbose = await CpioAsync(_work, archive, "-itv");
        await CpioAsync(extracted, archive, "-idm", "--no-absolute-filenames");

        Assert.Equal(["bin", "bin/tool", "etc", "etc/app", "etc/app/message.txt", "etc/motd"], list.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(verbose.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(@"^\S+\s+\d+\s+root\s+root\s+\d+\s+Jan\s+1\s+1970 ", line));
        Assert.Equal("Hello from the rootfs\n", await File.ReadAllTextAsync(Path.Combine(extracted, "etc", "motd"), TestContext.Current.CancellationToken));
        Assert.Equal("app/message.txt", new FileInfo(Path.Combine(extracted, "etc", "motd")).LinkTarget);
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(extracted, "bin", "tool")));
    }

    private static async Task<string> CpioAsync(string directory, string archive, params string[] args)
    {
        var info = new ProcessStartInfo("cpio") { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        await using (var input = File.OpenRead(archive))
        {
            await input.CopyToAsync(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"cpio {string.Join(' ', args)}: {error}");
        return output;
    }
}

using System.Text;
using Farm.Core.Rootfs;

namespace Farm.Core.Tests.Rootfs;

/// <summary>The initrd writer and links: a link is packed as a link, never followed, so no host file reaches an image.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CpioWriterLinkTests : IDisposable
{
    private const string Secret = "host secret 4f1c0b";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-cpio-links-").FullName;

    public CpioWriterLinkTests()
    {
        Directory.CreateDirectory(Path.Combine(_work, "host"));
        File.WriteAllText(Path.Combine(_work, "host", "key"), Secret);
        Directory.CreateDirectory(Path.Combine(_work, "rootfs", "etc"));
        File.WriteAllText(Path.Combine(_work, "rootfs", "etc", "motd"), "hello");
    }

    private string Rootfs => Path.Combine(_work, "rootfs");

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void EntriesOf_LinkToAHostDirectory_IsStoredAsALinkAndNotDescended()
    {
        File.CreateSymbolicLink(Path.Combine(Rootfs, "etc", "host"), Path.Combine(_work, "host"));
        File.CreateSymbolicLink(Path.Combine(Rootfs, "key"), Path.Combine(_work, "host", "key"));

        var entries = CpioWriter.EntriesOf(Rootfs);
        var cpio = CpioWriter.Write(entries);

        Assert.Equal(CpioEntryKind.SymbolicLink, entries.Single(e => e.Path == "etc/host").Kind);
        Assert.Equal(Path.Combine(_work, "host"), entries.Single(e => e.Path == "etc/host").LinkTarget);
        Assert.DoesNotContain(entries, e => e.Path.StartsWith("etc/host/", StringComparison.Ordinal));
        Assert.Equal(CpioEntryKind.SymbolicLink, entries.Single(e => e.Path == "key").Kind);
        Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(cpio), StringComparison.Ordinal);
    }

    [Fact]
    public void EntriesOf_RootThatIsALink_IsRefused()
    {
        var link = Path.Combine(_work, "linked-rootfs");
        File.CreateSymbolicLink(link, Path.Combine(_work, "host"));

        var error = Assert.Throws<IOException>(() => CpioWriter.EntriesOf(link));

        Assert.Contains("is a symbolic link", error.Message, StringComparison.Ordinal);
    }
}

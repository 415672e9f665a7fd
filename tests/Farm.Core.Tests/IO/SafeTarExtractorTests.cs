using System.Formats.Tar;
using System.IO.Compression;
using Farm.Core.IO;

namespace Farm.Core.Tests.IO;

/// <summary>Hostile tarballs: nothing leaves the directory, nothing is written through a link, each refusal is reported by path.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SafeTarExtractorTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-tar-").FullName;

    private string Root => Path.Combine(_work, "root");

    private string Outside => Path.Combine(_work, "outside");

    public SafeTarExtractorTests()
    {
        Directory.CreateDirectory(Outside);
        System.IO.File.WriteAllText(Path.Combine(Outside, "secret"), "untouched");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/../../evil")]
    [InlineData("/etc/evil")]
    [InlineData("./../evil")]
    public void Extract_NameLeavingTheDirectory_IsRefusedByPath(string name)
    {
        var report = Extract(false, File(name, "x"), File("ok.txt", "fine"));

        Assert.Equal([name], report.Refused.Select(r => r.Path));
        Assert.Equal("fine", System.IO.File.ReadAllText(Path.Combine(Root, "ok.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(_work, "evil")));
        Assert.Equal(["ok.txt"], report.Extracted);
    }

    [Fact]
    public void Extract_DotDotThatStaysInside_IsNormalised()
    {
        var report = Extract(false, File("a/../b.txt", "b"));

        Assert.Empty(report.Refused);
        Assert.Equal("b", System.IO.File.ReadAllText(Path.Combine(Root, "b.txt")));
    }

    [Fact]
    public void Extract_FileBelowASymlinkToOutside_IsNeverWrittenThroughIt()
    {
        var report = Extract(true, Link("escape", Outside), File("escape/secret", "overwritten"), File("escape/new", "planted"));

        Assert.Equal(["escape/secret", "escape/new"], report.Refused.Select(r => r.Path));
        Assert.Equal("untouched", System.IO.File.ReadAllText(Path.Combine(Outside, "secret")));
        Assert.False(System.IO.File.Exists(Path.Combine(Outside, "new")));
        Assert.Equal(Outside, new FileInfo(Path.Combine(Root, "escape")).LinkTarget);
    }

    [Fact]
    public void Extract_SymlinkOutside_RefusedForSources_KeptAsALinkForARootfs()
    {
        var source = Extract(false, Link("etc-link", "/etc"), Link("up", "../../x"), Link("inside", "dir/file"));
        var inside = new FileInfo(Path.Combine(Root, "inside")).LinkTarget;
        Directory.Delete(Root, recursive: true);
        var rootfs = Extract(true, Link("etc-link", "/etc"));

        Assert.Equal(["etc-link", "up"], source.Refused.Select(r => r.Path));
        Assert.Equal("dir/file", inside);
        Assert.Empty(rootfs.Refused);
        Assert.Equal("/etc", new FileInfo(Path.Combine(Root, "etc-link")).LinkTarget);
    }

    [Fact]
    public void Extract_FileReplacingALink_ReplacesTheLinkNotItsTarget()
    {
        var report = Extract(true, Link("f", Path.Combine(Outside, "secret")), File("f", "mine"));

        Assert.Empty(report.Refused);
        Assert.Equal("untouched", System.IO.File.ReadAllText(Path.Combine(Outside, "secret")));
        Assert.Null(new FileInfo(Path.Combine(Root, "f")).LinkTarget);
        Assert.Equal("mine", System.IO.File.ReadAllText(Path.Combine(Root, "f")));
    }

    [Fact]
    public void Extract_DirectoryInPlaceOfALink_IsRefusedAndTheTargetKeepsItsMode()
    {
        var before = System.IO.File.GetUnixFileMode(Outside);

        var report = Extract(true, Link("d", Outside), Entry(TarEntryType.Directory, "d", mode: (UnixFileMode)0x1FF));

        Assert.Equal(["d"], report.Refused.Select(r => r.Path));
        Assert.Equal(before, System.IO.File.GetUnixFileMode(Outside));
    }

    [Fact]
    public void Extract_HardLinks_InsideAreCopies_OutsideAreRefused()
    {
        var report = Extract(false, File("a", "data"), HardLink("b", "a"), HardLink("c", "../outside/secret"), HardLink("d", "missing"));

        Assert.Equal(["c", "d"], report.Refused.Select(r => r.Path));
        Assert.Equal("data", System.IO.File.ReadAllText(Path.Combine(Root, "b")));
    }

    [Fact]
    public void Extract_DevicesAndSetuid_AreHandledDeliberately()
    {
        var report = Extract(true, Entry(TarEntryType.CharacterDevice, "dev/null"), Entry(TarEntryType.Fifo, "pipe"), File("bin/su", "x", (UnixFileMode)0xDED));

        Assert.Equal(["dev/null", "pipe"], report.Refused.Select(r => r.Path));
        Assert.Equal([("bin/su", "setuid/setgid/sticky bits dropped")], report.Changed);
        Assert.Equal((UnixFileMode)0x1ED, System.IO.File.GetUnixFileMode(Path.Combine(Root, "bin", "su")));
        Assert.False(System.IO.File.Exists(Path.Combine(Root, "dev", "null")));
    }

    [Fact]
    public void Extract_Gzip_IsRead()
    {
        using var tar = Tar(File("hello.txt", "hi"));
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true))
        {
            tar.CopyTo(compressor);
        }

        gzip.Position = 0;
        var report = SafeTarExtractor.Extract(gzip, Root, allowLinksOutside: false, TestContext.Current.CancellationToken);

        Assert.Equal(["hello.txt"], report.Extracted);
        Assert.Equal("hi", System.IO.File.ReadAllText(Path.Combine(Root, "hello.txt")));
    }

    private ExtractionReport Extract(bool allowLinksOutside, params TarEntry[] entries)
    {
        using var tar = Tar(entries);
        return SafeTarExtractor.Extract(tar, Root, allowLinksOutside, TestContext.Current.CancellationToken);
    }

    private static MemoryStream Tar(params TarEntry[] entries)
    {
        var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        buffer.Position = 0;
        return buffer;
    }

    private static PaxTarEntry File(string name, string text, UnixFileMode mode = (UnixFileMode)0x1A4) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), Mode = mode };

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    private static PaxTarEntry HardLink(string name, string target) => new(TarEntryType.HardLink, name) { LinkName = target };

    private static PaxTarEntry Entry(TarEntryType type, string name, UnixFileMode mode = (UnixFileMode)0x1A4) => new(type, name) { Mode = mode };
}

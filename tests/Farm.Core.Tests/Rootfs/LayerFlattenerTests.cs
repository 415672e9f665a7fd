using System.Formats.Tar;
using Farm.Core.Rootfs;

namespace Farm.Core.Tests.Rootfs;

/// <summary>Layers applied in order, with the OCI whiteouts: deleted files, opaque directories, markers never in the result.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerFlattenerTests : IDisposable
{
    private readonly string _root = Path.Combine(Directory.CreateTempSubdirectory("farm-layers-").FullName, "rootfs");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_root)!, recursive: true);

    [Fact]
    public void Apply_WhiteoutsAndOpaqueDirectories_GiveTheUpperView()
    {
        Apply(File("etc/keep", "base"), File("etc/gone", "base"), File("var/cache/a", "old"), File("var/cache/b", "old"), File("opt/x", "base"));
        // The layer lists the opaque directory's new file before its marker: the marker still only hides what is below.
        Apply(File("etc/.wh.gone", string.Empty), File("var/cache/c", "new"), File("var/cache/.wh..wh..opq", string.Empty), File("etc/keep", "upper"), File(".wh.opt", string.Empty));

        Assert.Equal(["etc/keep", "var/cache/c"], Files());
        Assert.Equal("upper", System.IO.File.ReadAllText(Path.Combine(_root, "etc", "keep")));
        Assert.False(Directory.Exists(Path.Combine(_root, "opt")));
    }

    [Fact]
    public void Apply_WhiteoutThroughASymlink_DeletesNothingOutside()
    {
        var outside = Path.Combine(Path.GetDirectoryName(_root)!, "outside");
        Directory.CreateDirectory(outside);
        System.IO.File.WriteAllText(Path.Combine(outside, "victim"), "still here");
        Apply(new PaxTarEntry(TarEntryType.SymbolicLink, "escape") { LinkName = outside });

        Apply(File("escape/.wh.victim", string.Empty), File("escape/.wh..wh..opq", string.Empty));

        Assert.True(System.IO.File.Exists(Path.Combine(outside, "victim")));
    }

    private void Apply(params TarEntry[] entries)
    {
        using var layer = new MemoryStream();
        using (var writer = new TarWriter(layer, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        layer.Position = 0;
        var report = LayerFlattener.Apply(layer, _root, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(report.Refused, r => !r.Path.StartsWith("escape/", StringComparison.Ordinal));
    }

    private List<string> Files() =>
        Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_root, f)).Order(StringComparer.Ordinal).ToList();

    private static PaxTarEntry File(string name, string text) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), Mode = (UnixFileMode)0x1A4 };
}

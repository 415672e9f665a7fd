using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Sources;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>What a Kraftfile makes the farm read, checked against its source tree and the allow-list, with located errors.</summary>
public sealed class KraftfileSourcesTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-kraftfile-sources-").FullName;

    private string Repo => Path.Combine(_work, "repo");

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private IReadOnlyList<string> Check(string kraftfile)
    {
        var app = Path.Combine(Repo, "app");
        Directory.CreateDirectory(Path.Combine(Repo, "core"));
        Directory.CreateDirectory(Path.Combine(app, "rootfs"));
        File.WriteAllText(Path.Combine(app, "Kraftfile"), kraftfile);
        var parsed = new KraftfileParser().Load(app);
        Assert.True(parsed.IsValid, string.Join('\n', parsed.Diagnostics));
        return KraftfileSources.Check(parsed.Kraftfile!, new SourceTree(Repo), new SourcePolicy())
            .Select(d => d.Format().Replace(Repo + "/", string.Empty, StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void Check_SourcesAndRootfsInsideTheTree_HasNothingToSay() =>
        Assert.Empty(Check("spec: v0.6\nname: app\nunikraft: ../core\nrootfs: ./rootfs\ntargets:\n- qemu/x86_64\n"));

    [Fact]
    public void Check_RootfsAbsolute_IsLocated() =>
        Assert.Equal(["app/Kraftfile:4:9: error: rootfs: '/etc/ssh' leaves the source tree"], Check("spec: v0.6\nname: app\nunikraft: ../core\nrootfs: /etc/ssh\ntargets:\n- qemu/x86_64\n"));

    [Fact]
    public void Check_RootfsDotDot_IsLocated() =>
        Assert.Equal(["app/Kraftfile:4:9: error: rootfs: '../..' leaves the source tree"], Check("spec: v0.6\nname: app\nunikraft: ../core\nrootfs: ../..\ntargets:\n- qemu/x86_64\n"));

    [Fact]
    public void Check_UnikraftSourceOutsideTheTree_IsLocated() =>
        Assert.Equal(["app/Kraftfile:4:3: error: unikraft: '../../..' leaves the source tree"], Check("spec: v0.6\nname: app\nunikraft:\n  source: ../../..\ntargets:\n- qemu/x86_64\n"));

    [Fact]
    public void Check_LibraryFromAFileUrl_IsNotAllowedByDefault() =>
        Assert.Contains(
            "libraries.evil: 'file:///srv/evil.git' is not allowed by Farm__Sources__Allow",
            Assert.Single(Check("spec: v0.6\nname: app\nunikraft: ../core\nlibraries:\n  evil:\n    source: file:///srv/evil.git\n    version: main\ntargets:\n- qemu/x86_64\n")),
            StringComparison.Ordinal);

    [Fact]
    public void Check_LibraryVersionStartingWithDash_IsRefused() =>
        Assert.Contains(
            "version '--upload-pack=x' is not a branch, tag or commit name",
            Assert.Single(Check("spec: v0.6\nname: app\nunikraft: ../core\nlibraries:\n  evil:\n    source: https://example.invalid/evil.git\n    version: --upload-pack=x\ntargets:\n- qemu/x86_64\n")),
            StringComparison.Ordinal);

    [Fact]
    public void Check_RootfsImageReference_IsNotAPath() =>
        Assert.Empty(Check("spec: v0.6\nname: app\nunikraft: ../core\nrootfs: 127.0.0.1:5000/rootfs:v1\ntargets:\n- qemu/x86_64\n"));
}

using System.Text;
using Farm.Core.IO;
using Farm.Worker.Rootfs;

namespace Farm.Worker.Tests.Rootfs;

/// <summary>
/// A rootfs on disk must stay in the build's source tree: <c>/etc</c>, <c>../..</c> and a link to a host directory are
/// refused before anything is read, and a link inside the rootfs is packed as a link, so no host file reaches the image.
/// </summary>
public sealed class InitrdContainmentTests : IDisposable
{
    private const string Secret = "host secret 9d2e71";
    private readonly TempDirectory _temp = new();

    public InitrdContainmentTests()
    {
        Directory.CreateDirectory(_temp.Combine("host"));
        File.WriteAllText(_temp.Combine("host", "key"), Secret);
        Directory.CreateDirectory(_temp.Combine("repo", "app", "rootfs", "etc"));
        File.WriteAllText(_temp.Combine("repo", "app", "rootfs", "etc", "motd"), "hello");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string App => _temp.Combine("repo", "app");

    public void Dispose() => _temp.Dispose();

    private InitrdBuilder Builder() => new(_temp.Combine("work")) { Tree = new SourceTree(_temp.Combine("repo")) };

    [Fact]
    public async Task Build_RootfsEtc_IsRefused()
    {
        var error = await Assert.ThrowsAsync<RootfsException>(() => Builder().BuildAsync(App, "/etc", _ => { }, Ct));

        Assert.Equal("rootfs: '/etc' leaves the source tree", error.Message);
    }

    [Fact]
    public async Task Build_RootfsDotDot_IsRefused()
    {
        var error = await Assert.ThrowsAsync<RootfsException>(() => Builder().BuildAsync(App, "../..", _ => { }, Ct));

        Assert.Equal("rootfs: '../..' leaves the source tree", error.Message);
    }

    [Fact]
    public async Task Build_RootfsLinkedToAHostDirectory_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(App, "linked"), _temp.Combine("host"));

        var error = await Assert.ThrowsAsync<RootfsException>(() => Builder().BuildAsync(App, "./linked", _ => { }, Ct));

        Assert.Equal($"rootfs: './linked' leaves the source tree (it resolves to {_temp.Combine("host")})", error.Message);
    }

    [Fact]
    public async Task Build_LinkToAHostDirectoryInsideTheRootfs_IsPackedAsALinkNeverItsContent()
    {
        File.CreateSymbolicLink(Path.Combine(App, "rootfs", "etc", "keys"), _temp.Combine("host"));
        File.CreateSymbolicLink(Path.Combine(App, "rootfs", "key"), _temp.Combine("host", "key"));

        var initrd = await Builder().BuildAsync(App, "./rootfs", _ => { }, Ct);

        Assert.Contains("etc/motd", Encoding.UTF8.GetString(initrd), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(initrd), StringComparison.Ordinal);
    }
}

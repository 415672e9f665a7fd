using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Tests.Shared;

namespace Farm.Tests.Cli;

/// <summary>
/// <c>farm assemble</c>: the layouts two runners of a matrix build wrote (one platform each) become one signed
/// multi-platform index, as the reusable workflow's last job does.
/// </summary>
public sealed class AssembleCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-assemble-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Assemble_TwoRunnersLayouts_OneSignedIndexOfBothPlatforms()
    {
        var app = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");
        var key = Path.Combine(_work, "key");
        Assert.Equal(0, CliRun.Of("keygen", "--out", key).ExitCode);
        var environment = new[] { ("XDG_CACHE_HOME", Path.Combine(_work, "cache")) };
        var x86 = await FarmProcess.RunAsync(["build", app, "--targets", "qemu/x86_64", "--output", $"oci:{_work}/x86:helloworld"], environment, Ct);
        var linuxu = await FarmProcess.RunAsync(["build", app, "--targets", "linuxu/x86_64", "--output", $"oci:{_work}/linuxu:helloworld"], environment, Ct);
        Assert.True(x86.ExitCode == 0 && linuxu.ExitCode == 0, x86.Stderr + linuxu.Stderr);

        var assembled = CliRun.Of("assemble", $"oci:{_work}/x86:helloworld", $"oci:{_work}/linuxu:helloworld", "--to", $"oci:{_work}/all:helloworld", "--sign-key", key + ".pem");
        var missing = CliRun.Of("assemble", $"oci:{_work}/nowhere:helloworld", "--to", $"oci:{_work}/all:other");

        Assert.True(assembled.ExitCode == 0, assembled.Stdout + assembled.Stderr);
        var index = ImageIndex.Parse((await new OciLayoutRepository(Path.Combine(_work, "all")).TryGetManifestAsync("helloworld", Ct))!.Bytes);
        Assert.Equal(["linuxu/x86_64", "qemu/x86_64"], index.Manifests.Select(m => $"{m.Platform!.Os}/{m.Platform.Architecture}"));
        var fromRunners = new List<Digest>();
        foreach (var runner in (string[])["x86", "linuxu"])
        {
            fromRunners.Add(ImageIndex.Parse((await new OciLayoutRepository(Path.Combine(_work, runner)).TryGetManifestAsync("helloworld", Ct))!.Bytes).Manifests.Single().Digest);
        }

        Assert.Equal(fromRunners.Select(d => d.Value).Order(StringComparer.Ordinal), index.Manifests.Select(m => m.Digest.Value).Order(StringComparer.Ordinal));
        var verify = CliRun.Of("verify", $"oci:{_work}/all:helloworld", "--key", key + ".pub");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no such image", missing.Stderr, StringComparison.Ordinal);
    }
}

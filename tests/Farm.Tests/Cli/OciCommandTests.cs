using System.Security.Cryptography;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Tests.Cli;

/// <summary>
/// The OCI commands end to end against the real registry, as a user runs them: package two targets, inspect,
/// sign, verify, then add a third target and watch verification name what is no longer signed.
/// </summary>
public sealed class OciCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-oci-cli-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task PkgSignVerifyInspect_AgainstTheRegistry_DoWhatTheySay()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var reference = $"{registry.Host}/apps/hello:v1";

        var x86 = Pkg(reference, "qemu", "x86_64");
        var arm = Pkg(reference, "qemu", "arm64");
        Assert.True(x86.ExitCode == 0 && arm.ExitCode == 0, x86.Stderr + arm.Stderr);
        var inspected = Inspect(reference);
        Assert.Equal(["qemu/arm64", "qemu/x86_64"], inspected.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("platform").GetString()));
        Assert.Equal(0, inspected.GetProperty("signatures").GetInt32());

        var prefix = Path.Combine(_work, "key");
        Assert.Equal(0, CliRun.Of("keygen", "--out", prefix).ExitCode);
        var sign = CliRun.Of("sign", reference, "--key", prefix + ".pem", "--insecure");
        var verify = CliRun.Of("verify", reference, "--key", prefix + ".pub", "--insecure");

        Assert.True(sign.ExitCode == 0, sign.Stderr);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.All(Inspect(reference).GetProperty("manifests").EnumerateArray(), m => Assert.Equal(1, m.GetProperty("signatures").GetInt32()));

        Assert.Equal(0, Pkg(reference, "fc", "x86_64").ExitCode);
        var afterChange = CliRun.Of("verify", reference, "--key", prefix + ".pub", "--insecure");

        Assert.Equal(1, afterChange.ExitCode);
        Assert.Contains("fc/x86_64 manifest sha256:", afterChange.Stdout + afterChange.Stderr, StringComparison.Ordinal);
        Assert.Contains("index sha256:", afterChange.Stdout + afterChange.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Pkg_SameKernelTwice_GivesTheSameIndexAndUploadsNothing()
    {
        var layout = $"oci:{Path.Combine(_work, "layout")}:v1";

        var first = Pkg(layout, "qemu", "x86_64");
        var second = Pkg(layout, "qemu", "x86_64");

        Assert.Contains("2 blob(s) uploaded", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 blob(s) uploaded", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(first.Stdout.Split('\n')[1], second.Stdout.Split('\n')[1]);
    }

    [Theory]
    [InlineData("hello:v1", "name the registry")]
    [InlineData("127.0.0.1:5000/Hello:v1", "not a valid repository name")]
    [InlineData("127.0.0.1:5000/hello:bad:tag", "not a valid repository name")]
    public void Pkg_InvalidReference_IsOneLineAndExit1(string reference, string message)
    {
        var run = Pkg(reference, "qemu", "x86_64");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Pkg_UnknownPlatform_NamesTheKnownOnes()
    {
        var run = Pkg($"oci:{Path.Combine(_work, "l")}:v1", "vmware", "x86_64");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("expected a platform (qemu, fc, xen, linuxu", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copy_RegistryToLayoutAndBack_KeepsTheIndexDigest()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var layout = $"oci:{Path.Combine(_work, "layout")}:v1";
        Assert.Equal(0, Pkg(layout, "qemu", "x86_64").ExitCode);

        var push = CliRun.Of("copy", "--insecure", layout, $"{registry.Host}/apps/copied:v2");
        var pull = CliRun.Of("copy", "--insecure", $"{registry.Host}/apps/copied:v2", $"oci:{Path.Combine(_work, "pulled")}:v3");

        Assert.True(push.ExitCode == 0 && pull.ExitCode == 0, push.Stderr + pull.Stderr);
        var digest = push.Stdout.Split(' ')[1];
        Assert.StartsWith($"copied {digest} ", pull.Stdout, StringComparison.Ordinal);
        Assert.Equal(digest, Inspect($"oci:{Path.Combine(_work, "pulled")}:v3").GetProperty("digest").GetString());
    }

    private CliRun Pkg(string reference, string platform, string architecture)
    {
        var kernel = Path.Combine(_work, $"kernel-{platform}-{architecture}");
        if (!File.Exists(kernel))
        {
            File.WriteAllBytes(kernel, RandomNumberGenerator.GetBytes(4096));
        }

        var config = Path.Combine(_work, "config");
        File.WriteAllText(config, "CONFIG_UK_FULLVERSION=\"0.17.0\"\nCONFIG_PLAT_KVM=y\n");
        return CliRun.Of("pkg", "--insecure", "--kernel", kernel, "--config", config, "--plat", platform, "--arch", architecture, "--name", "hello", reference);
    }

    private static JsonElement Inspect(string reference)
    {
        var run = CliRun.Of("inspect", "--insecure", "--json", reference);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement;
    }
}

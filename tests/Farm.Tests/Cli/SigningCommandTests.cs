using System.Text.Json;

namespace Farm.Tests.Cli;

public sealed class SigningCommandTests
{
    [Fact]
    public async Task Keygen_NewPrefix_WritesPrivateKey0600AndPublicKey()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = layout.PathOf("farm");

        var run = CliRun.Of("keygen", "--out", prefix);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"{prefix}.pem", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{prefix}.pub", run.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(prefix + ".pem"), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(prefix + ".pub"), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(prefix + ".pem"));
        }
    }

    [Fact]
    public async Task Keygen_ExistingKey_RefusesToOverwrite()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = layout.PathOf("farm");
        Assert.Equal(0, CliRun.Of("keygen", "--out", prefix).ExitCode);
        var before = File.ReadAllText(prefix + ".pem");

        var run = CliRun.Of("keygen", "--out", prefix);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"farm keygen: {prefix}.pem already exists; farm keygen never overwrites a key: choose another --out or remove it\n", run.Stderr);
        Assert.Equal(before, File.ReadAllText(prefix + ".pem"));
    }

    [Fact]
    public async Task SignThenVerify_OciLayout_BothExitZero()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");

        var sign = CliRun.Of("sign", layout.Reference, "--key", prefix + ".pem");
        var verify = CliRun.Of("verify", layout.Reference, "--key", prefix + ".pub");

        Assert.True(sign.ExitCode == 0, sign.Stderr);
        Assert.Contains($"index {layout.Index}: signed", sign.Stdout, StringComparison.Ordinal);
        Assert.Contains($"qemu/x86_64 manifest {layout.Qemu}: signed", sign.Stdout, StringComparison.Ordinal);
        Assert.Contains($"fc/x86_64 manifest {layout.Fc}: signed", sign.Stdout, StringComparison.Ordinal);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains($"index {layout.Index}: verified", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains(": verified: 3 of 3 signed by", verify.Stdout, StringComparison.Ordinal);
        Assert.Empty(verify.Stderr);
    }

    [Fact]
    public async Task Sign_Twice_SaysAlreadySigned()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");
        CliRun.Of("sign", layout.Reference, "--key", prefix + ".pem");

        var again = CliRun.Of("sign", layout.Reference, "--key", prefix + ".pem");

        Assert.Equal(0, again.ExitCode);
        Assert.Contains($"index {layout.Index}: already signed with this key (sha256-{layout.Index.Hex}.sig: 1 signature(s))", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WrongPublicKey_ExitsOneNamingTheIndex()
    {
        using var layout = await SignableLayout.CreateAsync();
        var signer = Keys(layout, "signer");
        var other = Keys(layout, "other");
        CliRun.Of("sign", layout.Reference, "--key", signer + ".pem");

        var run = CliRun.Of("verify", layout.Reference, "--key", other + ".pub");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"farm verify: index {layout.Index}: signature does not verify with the given key", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"farm verify: fc/x86_64 manifest {layout.Fc}: signature does not verify with the given key", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("not verified: 3 of 3 without a valid signature", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_UnsignedPlatformManifest_NamesIt()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");
        CliRun.Of("sign", layout.Reference, "--key", prefix + ".pem");
        var fcSignatures = await layout.Repository.TryGetManifestAsync($"sha256-{layout.Fc.Hex}.sig", TestContext.Current.CancellationToken);
        await layout.Repository.DeleteManifestAsync(fcSignatures!.Digest, TestContext.Current.CancellationToken);

        var run = CliRun.Of("verify", layout.Reference, "--key", prefix + ".pub");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"farm verify: fc/x86_64 manifest {layout.Fc}: no signature\n", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("qemu/x86_64", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"qemu/x86_64 manifest {layout.Qemu}: verified", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Json_GivesEveryVerdict()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");
        CliRun.Of("sign", layout.Reference, "--key", prefix + ".pem");

        var run = CliRun.Of("verify", layout.Reference, "--key", prefix + ".pub", "--json");

        Assert.Equal(0, run.ExitCode);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.True(root.GetProperty("verified").GetBoolean());
        Assert.Equal("hello", root.GetProperty("identity").GetString());
        var manifests = root.GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal(["index", "qemu/x86_64 manifest", "fc/x86_64 manifest"], manifests.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(layout.Fc.Value, manifests[2].GetProperty("digest").GetString());
        Assert.True(manifests[2].GetProperty("signatures")[0].GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Sign_KeyInEnvironmentVariable_Signs()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");
        var variable = $"FARM_TEST_SIGNING_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, File.ReadAllText(prefix + ".pem"));
        try
        {
            var sign = CliRun.Of("sign", layout.Reference, "--key", $"env:{variable}");

            Assert.True(sign.ExitCode == 0, sign.Stderr);
            Assert.Equal(0, CliRun.Of("verify", layout.Reference, "--key", prefix + ".pub").ExitCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Sign_MissingKeyFile_OneLineNamingIt()
    {
        using var layout = await SignableLayout.CreateAsync();
        var missing = layout.PathOf("absent.pem");

        var run = CliRun.Of("sign", layout.Reference, "--key", missing);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"farm sign: {missing}: no such private key file\n", run.Stderr);
    }

    [Fact]
    public async Task Verify_UnreadablePem_OneLineNamingIt()
    {
        using var layout = await SignableLayout.CreateAsync();
        var garbage = layout.PathOf("garbage.pub");
        File.WriteAllText(garbage, "not a key");

        var run = CliRun.Of("verify", layout.Reference, "--key", garbage);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"farm verify: {garbage}: no PEM block found", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Sign_CosignEncryptedKey_SaysWhatToDo()
    {
        using var layout = await SignableLayout.CreateAsync();
        var cosignKey = layout.PathOf("cosign.key");
        File.WriteAllText(cosignKey, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");

        var run = CliRun.Of("sign", layout.Reference, "--key", cosignKey);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"farm sign: {cosignKey}: the key is encrypted in cosign's own format", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("farm keygen --out PREFIX", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sign", "hello:latest")]
    [InlineData("verify", "127.0.0.1:5000/Hello:latest")]
    public async Task BadReference_OneLineNamingIt(string command, string reference)
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");

        var run = CliRun.Of(command, reference, "--key", prefix + (command == "sign" ? ".pem" : ".pub"));

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"farm {command}: '{reference}'", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Verify_UnknownTag_NamesTheReference()
    {
        using var layout = await SignableLayout.CreateAsync();
        var prefix = Keys(layout, "farm");

        var run = CliRun.Of("verify", $"oci:{layout.LayoutDirectory}:v9", "--key", prefix + ".pub");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"farm verify: oci:{layout.LayoutDirectory}:v9: no manifest or index at v9", run.Stderr, StringComparison.Ordinal);
    }

    private static string Keys(SignableLayout layout, string name)
    {
        var prefix = layout.PathOf(name);
        var run = CliRun.Of("keygen", "--out", prefix);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return prefix;
    }
}

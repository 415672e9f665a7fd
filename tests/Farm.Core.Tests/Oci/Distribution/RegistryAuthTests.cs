using System.Security.Cryptography;
using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci.Distribution;

/// <summary>Bearer tokens from the registry's challenge, against a registry in <c>auth: token</c> mode.</summary>
public sealed class RegistryAuthTests
{
    private const string User = "builder";
    private const string Password = "s3cret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Push_WithCredentialsFromOptions_GetsATokenAndSucceeds()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true, Username = User, Password = Password }), "team/app");
        var blob = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(2000));

        Assert.True(await repository.PushBlobAsync(blob, Ct));
        Assert.True(await repository.BlobExistsAsync(blob.Digest, Ct));
        Assert.InRange(tokens.TokensIssued, 1, 3);
    }

    [Fact]
    public async Task Push_WithCredentialsFromADockerConfig_Succeeds()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        var config = Path.GetTempFileName();
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        await File.WriteAllTextAsync(config, $"{{\"auths\":{{\"http://{registry.Host}\":{{\"auth\":\"{auth}\"}}}}}}", Ct);
        try
        {
            var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true, DockerConfigPath = config }), "team/app");

            Assert.True(await repository.PushBlobAsync(BlobSource.FromBytes([1, 2, 3]), Ct));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Push_WrongPassword_SaysTheTokenServiceRefusedTheUser()
    {
        await using var tokens = await TokenServer.StartAsync(User, Password, ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true, Username = User, Password = "wrong" }), "team/app");

        var error = await Assert.ThrowsAsync<RegistryException>(() => repository.PushBlobAsync(BlobSource.FromBytes([1]), Ct));

        Assert.Contains($"refused the credentials of '{User}'", error.Message, StringComparison.Ordinal);
    }
}

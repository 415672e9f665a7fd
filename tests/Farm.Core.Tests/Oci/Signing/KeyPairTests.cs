using System.Text;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Signing;

public sealed class KeyPairTests
{
    [Fact]
    public void Write_NewPrefix_WritesPrivateKey0600AndPublicKeyThatLoad()
    {
        using var dir = new TempDirectory();
        using var pair = KeyPair.Generate();

        var files = pair.Write(dir.PathOf("farm"));

        Assert.Equal(dir.PathOf("farm.pem"), files.PrivateKeyPath);
        Assert.Equal(dir.PathOf("farm.pub"), files.PublicKeyPath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(files.PrivateKeyPath), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(files.PublicKeyPath), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.PrivateKeyPath));
        }

        using var key = SigningKey.Load(files.PrivateKeyPath);
        using var publicKey = VerificationKey.Load(files.PublicKeyPath);
        var data = Encoding.UTF8.GetBytes("x");
        Assert.True(publicKey.Verify(data, key.Sign(data)));
    }

    [Theory]
    [InlineData("farm.pem")]
    [InlineData("farm.pub")]
    public void Write_ExistingFile_IsRefusedAndNothingChanges(string existing)
    {
        using var dir = new TempDirectory();
        dir.Write(existing, "keep me");
        using var pair = KeyPair.Generate();

        var error = Assert.Throws<SigningException>(() => pair.Write(dir.PathOf("farm")));

        Assert.StartsWith($"{dir.PathOf(existing)} already exists", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(dir.PathOf(existing)));
        Assert.Single(Directory.GetFiles(dir.PathOf(".")));
    }

    [Fact]
    public void Write_MissingDirectory_NamesIt()
    {
        using var dir = new TempDirectory();
        using var pair = KeyPair.Generate();

        var error = Assert.Throws<SigningException>(() => pair.Write(dir.PathOf("absent/farm")));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }
}

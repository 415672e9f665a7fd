using System.Security.Cryptography;

namespace Farm.Tests.GitHub.Checks;

/// <summary>A GitHub App key as a PEM file in a directory of its own, and the public key to verify JWTs with.</summary>
internal sealed class TestAppKey : IDisposable
{
    // Making a 2048-bit key takes a second or more on a busy machine: one per test run, written anew for each test.
    private static readonly Lazy<RSA> Pair = new(() => RSA.Create(2048));

    private readonly string _directory = Directory.CreateTempSubdirectory("github-app-key-").FullName;

    /// <param name="pkcs8">PKCS#8 (<c>BEGIN PRIVATE KEY</c>) instead of GitHub's PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>).</param>
    public TestAppKey(bool pkcs8 = false)
    {
        PrivateKeyFile = Path.Combine(_directory, "app.pem");
        File.WriteAllText(PrivateKeyFile, pkcs8 ? Pair.Value.ExportPkcs8PrivateKeyPem() : Pair.Value.ExportRSAPrivateKeyPem());
        PublicKey = RSA.Create(Pair.Value.ExportParameters(includePrivateParameters: false));
    }

    public string PrivateKeyFile { get; }

    /// <summary>The public half only: what GitHub holds to verify the app's JWTs.</summary>
    public RSA PublicKey { get; }

    /// <summary>A file next to the key, for keys that should not work.</summary>
    public string WriteFile(string name, string contents)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, contents);
        return path;
    }

    public void Dispose()
    {
        PublicKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

using System.Security.Cryptography;

namespace Farm.GitHub.Checks;

/// <summary>The GitHub App's private key: the PEM file GitHub hands out (PKCS#1) or the same key as PKCS#8.</summary>
internal static class AppPrivateKey
{
    /// <summary>The RSA private key in <paramref name="path"/>; the caller owns (and disposes) it.</summary>
    /// <exception cref="InvalidDataException">The file holds no RSA private key.</exception>
    public static RSA Load(string path)
    {
        var pem = File.ReadAllText(path);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            // A public key imports too, but cannot sign: ask for the private part now rather than at the first JWT.
            _ = rsa.ExportParameters(includePrivateParameters: true);
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidDataException($"{path} holds no RSA private key in PEM (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY): {e.Message}", e);
        }
    }
}

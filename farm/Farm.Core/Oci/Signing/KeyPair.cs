using System.Security.Cryptography;
using System.Text;

namespace Farm.Core.Oci.Signing;

/// <summary>A new ECDSA P-256 key pair, written as <c>PREFIX.pem</c> (PKCS#8, mode 0600) and <c>PREFIX.pub</c> (SPKI).</summary>
public sealed class KeyPair : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldReadable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private KeyPair(SigningKey privateKey)
    {
        Private = privateKey;
    }

    public SigningKey Private { get; }

    public VerificationKey Public => Private.PublicKey;

    public static KeyPair Generate() => new(SigningKey.Adopt(ECDsa.Create(ECCurve.NamedCurves.nistP256), "a new key"));

    /// <summary>
    /// Writes <c>PREFIX.pem</c> then <c>PREFIX.pub</c>. Never overwrites: an existing file (or one that appears
    /// meanwhile) is an error and leaves both files as they were. The private key is created 0600, never readable
    /// by others even for a moment.
    /// </summary>
    public KeyFiles Write(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var files = new KeyFiles(prefix + ".pem", prefix + ".pub");
        foreach (var path in new[] { files.PrivateKeyPath, files.PublicKeyPath }.Where(File.Exists))
        {
            throw new SigningException($"{path} already exists; farm keygen never overwrites a key: choose another --out or remove it");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(files.PrivateKeyPath))!;
        if (!Directory.Exists(directory))
        {
            throw new SigningException($"{prefix}: directory {directory} does not exist");
        }

        WriteNew(files.PrivateKeyPath, Private.ToPem(), OwnerOnly);
        try
        {
            WriteNew(files.PublicKeyPath, Public.ToPem(), WorldReadable);
        }
        catch
        {
            File.Delete(files.PrivateKeyPath);
            throw;
        }

        return files;
    }

    public void Dispose() => Private.Dispose();

    private static void WriteNew(string path, string pem, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new SigningException($"{path} already exists; farm keygen never overwrites a key: choose another --out or remove it", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SigningException($"{path}: cannot create the key file: {ex.Message}", ex);
        }

        using (stream)
        {
            stream.Write(Encoding.ASCII.GetBytes(pem + "\n"));
        }
    }
}


namespace Farm.Core.Oci.Signing;

/// <summary>Where <see cref="KeyPair.Write"/> put the keys.</summary>
public sealed record KeyFiles(string PrivateKeyPath, string PublicKeyPath);

namespace Farm.Core.Oci.Signing;

/// <summary>The verification of one digest a reference names, with what it is.</summary>
public sealed record ManifestVerification(SignatureSubject Subject, CosignVerification Verification)
{
    public bool IsVerified => Verification.IsVerified;

    /// <summary><c>qemu/x86_64 manifest sha256:...: no signature</c>, or null when verified.</summary>
    public string? Failure => IsVerified ? null : $"{Subject}: {Verification.Reason}";
}

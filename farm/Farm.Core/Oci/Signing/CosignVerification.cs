namespace Farm.Core.Oci.Signing;

/// <summary>
/// The signatures found for one digest and each one's verdict. The digest is verified when at least one signature
/// is valid (a signature by another key next to ours is not a failure).
/// </summary>
public sealed record CosignVerification(Digest Digest, string Identity, IReadOnlyList<SignatureVerdict> Signatures)
{
    public bool IsVerified => Signatures.Any(s => s.Valid);

    /// <summary>Why the digest is not verified (<c>no signature</c>, or each distinct layer reason), or <c>verified</c>.</summary>
    public string Reason => IsVerified
        ? "verified"
        : Signatures.Count == 0 ? "no signature" : string.Join("; ", Signatures.Select(s => s.Reason).Distinct());
}

namespace Farm.Core.Oci.Signing;

/// <summary>
/// Verifies what a reference names, the way a client copying it would: the index and every platform manifest must
/// each carry at least one signature that verifies with the key, for this identity and this digest.
/// </summary>
public static class IndexVerification
{
    /// <summary>Verifies against the reference's own identity (<see cref="OciReference.Identity"/>).</summary>
    public static Task<IndexVerificationResult> VerifyAsync(IOciRepository repository, OciReference reference, VerificationKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return VerifyAsync(repository, reference, reference.Identity, key, cancellationToken);
    }

    public static async Task<IndexVerificationResult> VerifyAsync(IOciRepository repository, OciReference reference, string identity, VerificationKey key, CancellationToken cancellationToken)
    {
        var subjects = await SignatureSubject.ResolveAsync(repository, reference, cancellationToken).ConfigureAwait(false);
        var results = new List<ManifestVerification>();
        foreach (var subject in subjects)
        {
            var verification = await CosignVerifier.VerifyAsync(repository, identity, subject.Digest, key, cancellationToken).ConfigureAwait(false);
            results.Add(new ManifestVerification(subject, verification));
        }

        return new IndexVerificationResult(reference, identity, results);
    }
}

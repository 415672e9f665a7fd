namespace Farm.Core.Oci.Signing;

/// <summary>
/// Signs what a reference names: an index and every platform manifest it lists (verifiers check each platform
/// manifest's own signature when they copy an index, not the index's), or a single manifest. The identity is the
/// reference's <c>registry/repository</c>, which must match what users pull with.
/// </summary>
public static class IndexSigning
{
    /// <summary>Signs and returns what was signed, index first. Safe to repeat: a key's second signature adds nothing.</summary>
    public static async Task<IReadOnlyList<SignedSubject>> SignAsync(IOciRepository repository, OciReference reference, SigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var subjects = await SignatureSubject.ResolveAsync(repository, reference, cancellationToken).ConfigureAwait(false);

        // Platform manifests first, the index last: an index that carries a signature has all its manifests signed,
        // even if signing stopped half-way.
        var signed = new List<SignedSubject>();
        foreach (var subject in subjects.Skip(1).Append(subjects[0]))
        {
            var result = await CosignSigner.SignAsync(repository, reference.Identity, subject.Digest, key, cancellationToken).ConfigureAwait(false);
            signed.Add(new SignedSubject(subject, result));
        }

        return [signed[^1], .. signed.SkipLast(1)];
    }
}

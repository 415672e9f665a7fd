namespace Farm.Core.Oci.Signing;

/// <summary>A digest to sign or verify, and what it is: <c>index</c>, <c>qemu/x86_64 manifest</c>, <c>manifest</c>.</summary>
public sealed record SignatureSubject(string Role, Digest Digest, Platform? Platform = null)
{
    public override string ToString() => $"{Role} {Digest}";

    /// <summary>
    /// What a reference names: an index and every manifest it lists (index first), or a single manifest.
    /// Entries listed twice are named once.
    /// </summary>
    public static async Task<IReadOnlyList<SignatureSubject>> ResolveAsync(IOciRepository repository, OciReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(reference);
        var fetched = await repository.TryGetManifestAsync(reference.Selector, cancellationToken).ConfigureAwait(false)
            ?? throw new SigningException($"{reference}: no manifest or index at {reference.Selector} in {repository.Name}");
        if (!fetched.IsIndex)
        {
            return [new SignatureSubject("manifest", fetched.Digest)];
        }

        ImageIndex index;
        try
        {
            index = ImageIndex.Parse(fetched.Bytes);
        }
        catch (OciFormatException ex)
        {
            throw new OciFormatException($"{reference}: index {fetched.Digest}: {ex.Message}", ex);
        }

        var subjects = new List<SignatureSubject> { new("index", fetched.Digest) };
        foreach (var entry in index.Manifests.DistinctBy(m => m.Digest))
        {
            var kind = MediaTypes.IsIndex(entry.MediaType) ? "index" : "manifest";
            subjects.Add(new SignatureSubject(entry.Platform is { } p ? $"{p} {kind}" : kind, entry.Digest, entry.Platform));
        }

        return subjects;
    }
}

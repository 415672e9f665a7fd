namespace Farm.Core.Oci.Signing;

/// <summary>Whether a reference verifies: the index and every manifest it lists each need a valid signature.</summary>
public sealed record IndexVerificationResult(OciReference Reference, string Identity, IReadOnlyList<ManifestVerification> Manifests)
{
    public bool IsVerified => Manifests.All(m => m.IsVerified);

    /// <summary>One line per digest without a valid signature, naming it and why.</summary>
    public IReadOnlyList<string> Failures => Manifests.Select(m => m.Failure).OfType<string>().ToList();
}

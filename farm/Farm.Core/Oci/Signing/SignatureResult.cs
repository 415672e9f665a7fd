namespace Farm.Core.Oci.Signing;

/// <summary>
/// What signing one digest did: the signature manifest now at <see cref="Tag"/>, and whether a layer was added
/// (false when the key had already signed this payload: the manifest is left as it was).
/// </summary>
public sealed record SignatureResult(Digest Subject, string Tag, Digest SignatureManifest, bool Added, int SignatureCount);

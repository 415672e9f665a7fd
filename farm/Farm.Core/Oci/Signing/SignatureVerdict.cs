namespace Farm.Core.Oci.Signing;

/// <summary>One signature layer's verdict: valid, or the reason it is not (<c>signature does not verify with the given key</c>, ...).</summary>
public sealed record SignatureVerdict(int Layer, Digest Payload, bool Valid, string Reason);

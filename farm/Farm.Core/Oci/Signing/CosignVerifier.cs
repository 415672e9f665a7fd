namespace Farm.Core.Oci.Signing;

/// <summary>
/// Verifies the cosign signatures of one digest with a public key: for each layer of <c>sha256-&lt;hex&gt;.sig</c>,
/// the payload blob (read verified against its digest), the ECDSA signature over its exact bytes, then the payload's
/// claims: cosign's type, the expected identity, and the digest being verified. The signature is checked before the
/// claims, since claims in an unsigned payload mean nothing.
/// </summary>
public static class CosignVerifier
{
    /// <summary>A cosign payload is a few hundred bytes; a larger layer is not read.</summary>
    public const long MaxPayloadBytes = 1 << 20;

    public static async Task<CosignVerification> VerifyAsync(IOciRepository repository, string identity, Digest digest, VerificationKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(key);

        (ImageManifest Manifest, Digest Digest)? stored;
        try
        {
            stored = await SignatureManifest.ReadAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (OciFormatException ex)
        {
            return new CosignVerification(digest, identity, [new SignatureVerdict(0, digest, Valid: false, ex.Message)]);
        }

        var verdicts = new List<SignatureVerdict>();
        var layers = stored?.Manifest.Layers ?? [];
        for (var i = 0; i < layers.Count; i++)
        {
            var (valid, reason) = await CheckAsync(repository, layers[i], identity, digest, key, cancellationToken).ConfigureAwait(false);
            verdicts.Add(new SignatureVerdict(i, layers[i].Digest, valid, reason));
        }

        return new CosignVerification(digest, identity, verdicts);
    }

    private static async Task<(bool Valid, string Reason)> CheckAsync(IOciRepository repository, Descriptor layer, string identity, Digest digest, VerificationKey key, CancellationToken cancellationToken)
    {
        if (layer.MediaType != MediaTypes.CosignPayload)
        {
            return (false, $"layer {layer.Digest} is {layer.MediaType}, not a cosign payload ({MediaTypes.CosignPayload})");
        }

        if (layer.Annotation(SignatureManifest.SignatureAnnotation) is not { } encoded)
        {
            return (false, $"layer {layer.Digest} has no {SignatureManifest.SignatureAnnotation} annotation");
        }

        var signature = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, signature, out var signatureLength))
        {
            return (false, "the signature annotation is not base64");
        }

        if (layer.Size > MaxPayloadBytes)
        {
            return (false, $"payload {layer.Digest} is {layer.Size} bytes, more than a cosign payload's {MaxPayloadBytes}");
        }

        byte[] payload;
        try
        {
            payload = await repository.GetBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OciFormatException or Distribution.RegistryException)
        {
            return (false, $"payload {layer.Digest} cannot be read: {ex.Message}");
        }

        if (!key.Verify(payload, signature.AsSpan(0, signatureLength)))
        {
            return (false, "signature does not verify with the given key");
        }

        if (!CosignPayload.TryParse(payload, out var claims, out var error))
        {
            return (false, error);
        }

        if (claims.Digest != digest)
        {
            return (false, $"payload is for {claims.Digest} not {digest}");
        }

        return claims.Identity == identity
            ? (true, $"signed for {identity}")
            : (false, $"payload identity is {claims.Identity}, expected {identity}");
    }
}

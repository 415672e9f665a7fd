namespace Farm.Core.Oci.Signing;

/// <summary>
/// Signs a manifest digest the way <c>cosign sign --key</c> does: the payload blob, an ECDSA signature over it,
/// appended as a layer to the signature manifest at <c>sha256-&lt;hex&gt;.sig</c>.
/// </summary>
/// <remarks>
/// Read-modify-write: existing signature layers are kept, and, as cosign's duplicate detector does, a layer is not
/// added when one with the same payload already carries a signature that verifies with this key (ECDSA signatures
/// are randomised, so signing again would otherwise add a layer each time). Signing is therefore safe to repeat.
/// Two signers racing on the same digest can lose one layer, as with cosign: the registry has no compare-and-swap.
/// </remarks>
public static class CosignSigner
{
    public static async Task<SignatureResult> SignAsync(IOciRepository repository, string identity, Digest digest, SigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        ArgumentNullException.ThrowIfNull(key);

        var tag = SignatureManifest.TagFor(digest);
        var existing = await SignatureManifest.ReadAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        var payload = new CosignPayload(identity, digest).ToBytes();
        var payloadDigest = Digest.Of(payload);
        var layers = existing?.Manifest.Layers.ToList() ?? [];

        if (layers.Exists(l => l.Digest == payloadDigest && SignedBy(l, payload, key.PublicKey)))
        {
            return new SignatureResult(digest, tag, existing!.Value.Digest, Added: false, layers.Count);
        }

        var layer = SignatureManifest.Layer(payload, key.Sign(payload));
        layers.Add(layer);
        var config = SignatureManifest.Config(layers);
        await repository.PushBlobAsync(BlobSource.FromBytes(payload), cancellationToken).ConfigureAwait(false);
        await repository.PushBlobAsync(BlobSource.FromBytes(config), cancellationToken).ConfigureAwait(false);

        var manifest = new ImageManifest(new Descriptor(MediaTypes.ImageConfig, Digest.Of(config), config.Length), layers);
        var stored = await repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, tag, cancellationToken).ConfigureAwait(false);
        return new SignatureResult(digest, tag, stored, Added: true, layers.Count);
    }

    private static bool SignedBy(Descriptor layer, byte[] payload, VerificationKey key)
    {
        var annotation = layer.Annotation(SignatureManifest.SignatureAnnotation);
        var signature = new byte[annotation?.Length ?? 0];
        return annotation is not null
            && Convert.TryFromBase64String(annotation, signature, out var length)
            && key.Verify(payload, signature.AsSpan(0, length));
    }
}

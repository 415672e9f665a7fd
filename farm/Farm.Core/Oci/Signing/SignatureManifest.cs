namespace Farm.Core.Oci.Signing;

/// <summary>
/// Where and how cosign stores the signatures of a manifest: an OCI image manifest under the tag
/// <c>sha256-&lt;hex&gt;.sig</c> in the same repository, one layer per signature (the payload blob, the base64
/// DER signature in its annotation), and a config whose <c>diff_ids</c> list the layers.
/// </summary>
public static class SignatureManifest
{
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";

    /// <summary>The tag holding the signatures of <paramref name="subject"/>: <c>sha256-&lt;hex&gt;.sig</c>.</summary>
    public static string TagFor(Digest subject) => subject.TagForm + ".sig";

    /// <summary>The signature layer for a payload and its DER signature.</summary>
    public static Descriptor Layer(byte[] payload, byte[] signature) =>
        new(MediaTypes.CosignPayload, Digest.Of(payload), payload.Length)
        {
            Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [SignatureAnnotation] = Convert.ToBase64String(signature) },
        };

    /// <summary>The config cosign writes, less its timestamps: empty platform, the layers as <c>diff_ids</c> (the payloads are not compressed).</summary>
    public static byte[] Config(IEnumerable<Descriptor> layers) => OciJson.Serialize(json =>
    {
        json.WriteStartObject();
        json.WriteString("architecture", string.Empty);
        json.WriteString("os", string.Empty);
        json.WriteStartObject("config");
        json.WriteEndObject();
        json.WriteStartObject("rootfs");
        json.WriteString("type", "layers");
        json.WriteStartArray("diff_ids");
        foreach (var layer in layers)
        {
            json.WriteStringValue(layer.Digest.Value);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    });

    /// <summary>
    /// The signature manifest of <paramref name="subject"/>, or null when it has none. Anything but an OCI image
    /// manifest under the tag is an error: verifiers refuse other types, and overwriting it would lose data.
    /// </summary>
    internal static async Task<(ImageManifest Manifest, Digest Digest)?> ReadAsync(IOciRepository repository, Digest subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var tag = TagFor(subject);
        var fetched = await repository.TryGetManifestAsync(tag, cancellationToken).ConfigureAwait(false);
        if (fetched is null)
        {
            return null;
        }

        if (fetched.MediaType != MediaTypes.ImageManifest)
        {
            throw new OciFormatException($"{repository.Name}: tag {tag} holds a {fetched.MediaType}, not a cosign signature manifest ({MediaTypes.ImageManifest})");
        }

        try
        {
            return (ImageManifest.Parse(fetched.Bytes), fetched.Digest);
        }
        catch (OciFormatException ex)
        {
            throw new OciFormatException($"{repository.Name}: tag {tag}: {ex.Message}", ex);
        }
    }
}

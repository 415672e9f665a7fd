using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Farm.Core.Oci.Signing;

/// <summary>
/// What a cosign signature signs: the image's identity (<c>registry/repository</c>) and manifest digest, in
/// cosign's "simple signing" JSON. <see cref="ToBytes"/> gives cosign's exact byte form (keys in this order, no
/// whitespace, <c>"optional":null</c>); the signature covers those bytes, so they are stored as they were signed.
/// </summary>
public sealed record CosignPayload(string Identity, Digest Digest)
{
    public const string SignatureType = "cosign container image signature";

    public byte[] ToBytes() => OciJson.Serialize(json =>
    {
        json.WriteStartObject();
        json.WriteStartObject("critical");
        json.WriteStartObject("identity");
        json.WriteString("docker-reference", Identity);
        json.WriteEndObject();
        json.WriteStartObject("image");
        json.WriteString("docker-manifest-digest", Digest.Value);
        json.WriteEndObject();
        json.WriteString("type", SignatureType);
        json.WriteEndObject();
        json.WriteNull("optional");
        json.WriteEndObject();
    });

    /// <summary>
    /// Reads a payload as verifiers do: <c>critical.type</c> is cosign's, <c>critical.identity.docker-reference</c>
    /// a string, <c>critical.image.docker-manifest-digest</c> (lower-case d) a sha256 digest, <c>optional</c> present
    /// (null or an object). Duplicate keys are refused: two readers could otherwise see two different payloads.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out CosignPayload? payload, out string error)
    {
        payload = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            error = $"payload is not valid JSON ({ex.Message})";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("critical", out var critical) || critical.ValueKind != JsonValueKind.Object)
            {
                error = "payload has no 'critical' object";
                return false;
            }

            if (!root.TryGetProperty("optional", out var optional) || optional.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object))
            {
                error = "payload has no 'optional' (null or an object)";
                return false;
            }

            if (Text(critical, "type") is not { } type || type != SignatureType)
            {
                error = $"payload type is {Quote(Text(critical, "type"))}, expected '{SignatureType}'";
                return false;
            }

            if (Text(critical, "identity", "docker-reference") is not { } identity)
            {
                error = "payload has no critical.identity.docker-reference";
                return false;
            }

            var digestText = Text(critical, "image", "docker-manifest-digest");
            if (!Digest.TryParse(digestText, out var digest))
            {
                error = digestText is null
                    ? "payload has no critical.image.docker-manifest-digest (the key is all lower-case)"
                    : $"payload digest '{digestText}' is not sha256: and 64 lower-case hex digits";
                return false;
            }

            payload = new CosignPayload(identity, digest);
            error = string.Empty;
            return true;
        }
    }

    public static CosignPayload Parse(ReadOnlySpan<byte> bytes) =>
        TryParse(bytes, out var payload, out var error) ? payload : throw new OciFormatException(error);

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    private static string Quote(string? text) => text is null ? "missing" : $"'{text}'";
}

using System.Text.Json;

namespace Farm.Core.Oci;

/// <summary>
/// Reads and writes manifests and indexes. Writing is deterministic: fixed property order, annotations sorted by
/// key, no whitespace, so the same content always has the same digest. Reading checks the fields it relies on.
/// </summary>
internal static class OciJson
{
    public static byte[] Write(ImageManifest manifest) => Serialize(json =>
    {
        json.WriteStartObject();
        json.WriteNumber("schemaVersion", 2);
        json.WriteString("mediaType", MediaTypes.ImageManifest);
        json.WritePropertyName("config");
        WriteDescriptor(json, manifest.Config);
        json.WriteStartArray("layers");
        foreach (var layer in manifest.Layers)
        {
            WriteDescriptor(json, layer);
        }

        json.WriteEndArray();
        if (manifest.Subject is { } subject)
        {
            json.WritePropertyName("subject");
            WriteDescriptor(json, subject);
        }

        WriteAnnotations(json, manifest.Annotations);
        json.WriteEndObject();
    });

    public static byte[] Write(ImageIndex index) => Serialize(json =>
    {
        json.WriteStartObject();
        json.WriteNumber("schemaVersion", 2);
        json.WriteString("mediaType", MediaTypes.ImageIndex);
        json.WriteStartArray("manifests");
        foreach (var manifest in index.Manifests)
        {
            WriteDescriptor(json, manifest);
        }

        json.WriteEndArray();
        WriteAnnotations(json, index.Annotations);
        json.WriteEndObject();
    });

    public static byte[] Serialize(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(json);
        }

        return buffer.ToArray();
    }

    public static void WriteDescriptor(Utf8JsonWriter json, Descriptor descriptor)
    {
        json.WriteStartObject();
        json.WriteString("mediaType", descriptor.MediaType);
        json.WriteString("digest", descriptor.Digest.Value);
        json.WriteNumber("size", descriptor.Size);
        WriteAnnotations(json, descriptor.Annotations);
        if (descriptor.Platform is { } platform)
        {
            json.WriteStartObject("platform");
            json.WriteString("architecture", platform.Architecture);
            json.WriteString("os", platform.Os);
            if (platform.OsVersion is { } version)
            {
                json.WriteString("os.version", version);
            }

            if (platform.Features.Count > 0)
            {
                json.WriteStartArray("os.features");
                foreach (var feature in platform.Features)
                {
                    json.WriteStringValue(feature);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    public static void WriteAnnotations(Utf8JsonWriter json, IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is not { Count: > 0 })
        {
            return;
        }

        json.WriteStartObject("annotations");
        foreach (var (key, value) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }

    public static ImageManifest ReadManifest(ReadOnlySpan<byte> bytes)
    {
        using var document = Open(bytes, "manifest");
        var root = document.RootElement;
        if (!root.TryGetProperty("config", out var config) || !root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
        {
            throw new OciFormatException("not an image manifest: it has no config or no layers");
        }

        return new ImageManifest(ReadDescriptor(config), layers.EnumerateArray().Select(ReadDescriptor).ToList())
        {
            Annotations = ReadAnnotations(root),
            Subject = root.TryGetProperty("subject", out var subject) ? ReadDescriptor(subject) : null,
        };
    }

    public static ImageIndex ReadIndex(ReadOnlySpan<byte> bytes)
    {
        using var document = Open(bytes, "index");
        var root = document.RootElement;
        if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            throw new OciFormatException("not an image index: it has no manifests");
        }

        return new ImageIndex(manifests.EnumerateArray().Select(ReadDescriptor).ToList()) { Annotations = ReadAnnotations(root) };
    }

    /// <summary>The <c>mediaType</c> a manifest or index declares, or null.</summary>
    public static string? MediaTypeOf(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("mediaType", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Descriptor ReadDescriptor(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("mediaType", out var mediaType) || mediaType.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("digest", out var digestText) || !Digest.TryParse(digestText.GetString(), out var digest)
            || !element.TryGetProperty("size", out var size) || !size.TryGetInt64(out var length) || length < 0)
        {
            throw new OciFormatException($"a descriptor needs mediaType, a sha256 digest and a size: {Shorten(element.GetRawText())}");
        }

        Platform? platform = null;
        if (element.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            platform = new Platform(
                Text(p, "os") ?? string.Empty,
                Text(p, "architecture") ?? string.Empty,
                Text(p, "os.version"),
                p.TryGetProperty("os.features", out var features) && features.ValueKind == JsonValueKind.Array
                    ? features.EnumerateArray().Select(f => f.GetString() ?? string.Empty).ToList()
                    : null);
        }

        return new Descriptor(mediaType.GetString()!, digest, length) { Annotations = ReadAnnotations(element), Platform = platform };
    }

    private static JsonDocument Open(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            var document = JsonDocument.Parse(bytes.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new OciFormatException($"the {what} is not a JSON object");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new OciFormatException($"the {what} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static Dictionary<string, string>? ReadAnnotations(JsonElement element)
    {
        if (!element.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return annotations.EnumerateObject().Where(a => a.Value.ValueKind == JsonValueKind.String).ToDictionary(a => a.Name, a => a.Value.GetString()!, StringComparer.Ordinal);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;
}

using System.Text.Json;

namespace Farm.Core.Oci.Packaging;

/// <summary>
/// Packages one target in the layout kraft reads (reference/oci.md §1): uncompressed one-file tar layers for the
/// kernel and the initrd, a config whose <c>diff_ids</c> equal the layer digests, the platform on the config
/// descriptor and on the index entry, and kraft's annotations. No timestamps and a fixed JSON order: the same
/// inputs give the same digests, byte for byte.
/// </summary>
public static class TargetPackager
{
    public static PackagedTarget Package(TargetImage image, OciReference reference)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(reference);
        var kernel = BlobSource.FromBytes(SingleFileTar.Create("unikraft/bin/kernel", image.Kernel, image.KernelMode));
        var layers = new List<(BlobSource Blob, string Key, string Path)> { (kernel, KraftAnnotations.KernelImage, KraftAnnotations.KernelPath) };
        if (image.Initrd is { } initrd)
        {
            layers.Add((BlobSource.FromBytes(SingleFileTar.Create("unikraft/bin/initrd", initrd, (UnixFileMode)0x1A4)), KraftAnnotations.KernelInitrd, KraftAnnotations.InitrdPath));
        }

        var platform = new Platform(image.Platform, image.Architecture, image.Config.Version, image.Config.Features);
        var config = BlobSource.FromBytes(ConfigJson(image, platform, layers.Select(l => l.Blob.Digest)));
        // As kraft names them: ref.name and org.unikraft.image.name the name without the tag, containerd's the full
        // reference. A layout's directory is where it happens to be written, not a name: the app's name is used.
        var tag = reference.Tag ?? OciReference.DefaultTag;
        var name = reference.IsLayout ? image.Name ?? reference.Repository : $"{reference.Registry}/{reference.Repository}";
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [KraftAnnotations.KraftKitVersion] = KraftAnnotations.KraftKitVersionValue,
            [KraftAnnotations.RefName] = name,
            [KraftAnnotations.ContainerdImageName] = $"{name}:{tag}",
            [KraftAnnotations.UnikraftImageName] = name,
        };
        if (image.Config.Version is { } version)
        {
            annotations[KraftAnnotations.UnikraftKernelVersion] = version;
        }

        var manifest = new ImageManifest(
            new Descriptor(MediaTypes.ImageConfig, config.Digest, config.Size) { Platform = platform },
            layers.Select(l => new Descriptor(MediaTypes.Layer, l.Blob.Digest, l.Blob.Size) { Annotations = new Dictionary<string, string> { [l.Key] = l.Path } }).ToList())
        {
            Annotations = annotations,
        };
        var bytes = manifest.ToJson();
        var entry = new Descriptor(MediaTypes.ImageManifest, Digest.Of(bytes), bytes.Length)
        {
            Platform = platform,
            Annotations = new Dictionary<string, string>(annotations) { [KraftAnnotations.Target] = image.Target },
        };
        return new PackagedTarget([.. layers.Select(l => l.Blob), config], bytes, entry);
    }

    private static byte[] ConfigJson(TargetImage image, Platform platform, IEnumerable<Digest> layers) => OciJson.Serialize(json =>
    {
        json.WriteStartObject();
        json.WriteString("architecture", platform.Architecture);
        json.WriteString("os", platform.Os);
        if (platform.OsVersion is { } version)
        {
            json.WriteString("os.version", version);
        }

        json.WriteStartArray("os.features");
        foreach (var feature in platform.Features)
        {
            json.WriteStringValue(feature);
        }

        json.WriteEndArray();
        json.WriteStartObject("config");
        WriteStrings(json, "Env", image.Env);
        WriteStrings(json, "Cmd", image.Cmd);
        if (image.Labels.Count > 0)
        {
            json.WriteStartObject("Labels");
            foreach (var (key, value) in image.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartObject("rootfs");
        json.WriteString("type", "layers");
        json.WriteStartArray("diff_ids");
        foreach (var digest in layers)
        {
            json.WriteStringValue(digest.Value);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    });

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}

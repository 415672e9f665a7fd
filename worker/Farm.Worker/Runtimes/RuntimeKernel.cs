using Farm.Core.Oci;
using Farm.Core.Oci.Packaging;

namespace Farm.Worker.Runtimes;

/// <summary>A runtime image's kernel for one platform: its bytes, the configuration it was built with, and the layer it came in.</summary>
internal sealed record RuntimeKernel(byte[] Kernel, DotConfig Config, Digest Manifest, Digest Layer)
{
    /// <summary>
    /// The kernel the index at <paramref name="index"/> (a tag or digest) lists for the platform with every one of
    /// <paramref name="requiredFeatures"/> in its <c>os.features</c> (kraft's rule); null when it lists none.
    /// </summary>
    public static async Task<RuntimeKernel?> FetchAsync(IOciRepository repository, string index, string platform, string architecture, IReadOnlyList<string> requiredFeatures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var fetched = await repository.TryGetManifestAsync(index, cancellationToken).ConfigureAwait(false)
            ?? throw new OciFormatException($"{repository.Name}: no image at {index}");
        if (!fetched.IsIndex || ImageIndex.Parse(fetched.Bytes).Manifests.FirstOrDefault(m => m.Platform?.Os == platform && m.Platform.Architecture == architecture && requiredFeatures.All(m.Platform.Features.Contains)) is not { } entry)
        {
            return null;
        }

        var manifest = ImageManifest.Parse((await repository.TryGetManifestAsync(entry.Digest.Value, cancellationToken).ConfigureAwait(false)
            ?? throw new OciFormatException($"{repository.Name}: the {platform}/{architecture} manifest {entry.Digest} is listed but missing")).Bytes);
        var layer = manifest.Layers.FirstOrDefault(l => l.Annotation(KraftAnnotations.KernelImage) is not null) ?? manifest.Layers[0];
        byte[] kernel;
        using (var tar = new System.Formats.Tar.TarReader(new MemoryStream(await repository.GetBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false))))
        {
            var file = tar.GetNextEntry() ?? throw new OciFormatException($"{repository.Name}: the kernel layer {layer.Digest} is empty");
            using var content = new MemoryStream();
            file.DataStream?.CopyTo(content);
            kernel = content.ToArray();
        }

        using var config = System.Text.Json.JsonDocument.Parse(await repository.GetBlobAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false));
        var features = config.RootElement.TryGetProperty("os.features", out var list) ? list.EnumerateArray().Select(f => f.GetString() ?? string.Empty).ToList() : [];
        var version = config.RootElement.TryGetProperty("os.version", out var v) ? v.GetString() : null;
        return new RuntimeKernel(kernel, new DotConfig(features, version), entry.Digest, layer.Digest);
    }
}

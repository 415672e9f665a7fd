using System.Text;
using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;

namespace Farm.Worker.Rootfs;

/// <summary>
/// The rootfs layer cache: the initrd a Dockerfile gave, under its <see cref="DockerfileKey"/>, as an OCI manifest
/// tagged <c>rootfs-KEY</c> in the cache repository (the target cache's: <c>FARM_CACHE_REGISTRY</c>, else a layout in
/// the worker's cache directory). A hit is pulled instead of running buildah. Every problem here is a miss and a log
/// line; only trusted builds write.
/// </summary>
internal sealed class RootfsLayerCache
{
    private const string ConfigMediaType = "application/vnd.unikernel-farm.rootfs.v1+json";
    private const string CpioMediaType = "application/vnd.unikernel-farm.rootfs.cpio.v1";
    private readonly IOciRepository _repository;

    public RootfsLayerCache(IOciRepository repository, bool writable = true)
    {
        _repository = repository;
        Writable = writable;
    }

    public bool Writable { get; }

    public string Name => _repository.Name;

    public static string Tag(string key) => $"rootfs-{key}";

    /// <summary>This cache, read-only (untrusted builds).</summary>
    public RootfsLayerCache ReadOnly() => new(_repository, writable: false);

    public async Task<byte[]?> TryGetAsync(string key, Action<string> log, CancellationToken cancellationToken)
    {
        try
        {
            if (await _repository.TryGetManifestAsync(Tag(key), cancellationToken).ConfigureAwait(false) is not { IsIndex: false } fetched)
            {
                return null;
            }

            var manifest = ImageManifest.Parse(fetched.Bytes);
            if (manifest.Config.MediaType != ConfigMediaType || manifest.Layers is not [{ MediaType: CpioMediaType } layer])
            {
                return null;
            }

            return await _repository.GetBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RegistryException or IOException or OciFormatException or HttpRequestException or JsonException or InvalidOperationException)
        {
            log($"farm: rootfs: warning: reading {Tag(key)[..20]}… from {_repository.Name} failed, building: {ex.Message}");
            return null;
        }
    }

    public async Task PutAsync(string key, byte[] initrd, string source, double buildSeconds, Action<string> log, CancellationToken cancellationToken)
    {
        if (!Writable)
        {
            return;
        }

        try
        {
            var cpio = BlobSource.FromBytes(initrd);
            var info = BlobSource.FromBytes(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["source"] = source,
                ["buildSeconds"] = Math.Round(buildSeconds, 2),
            })));
            await _repository.PushBlobAsync(cpio, cancellationToken).ConfigureAwait(false);
            await _repository.PushBlobAsync(info, cancellationToken).ConfigureAwait(false);
            var manifest = new ImageManifest(new Descriptor(ConfigMediaType, info.Digest, info.Size), [new Descriptor(CpioMediaType, cpio.Digest, cpio.Size)]);
            await _repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, Tag(key), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RegistryException or IOException or OciFormatException or HttpRequestException)
        {
            log($"farm: rootfs: warning: storing in the layer cache {_repository.Name} failed: {ex.Message}");
        }
    }
}

using System.Text;
using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Layout;

namespace Farm.Worker.Targets;

/// <summary>
/// The target-level cache: a target's tested kernel and <c>.config</c> under its <see cref="TargetKey"/>, as an OCI
/// manifest tagged <c>target-KEY</c> in the cache repository (<c>FARM_CACHE_REGISTRY</c>, else an OCI layout in the
/// worker's cache directory). A hit is re-packaged for the build's own image name, so one cached kernel serves every
/// image that uses it; the kernel layer is the same blob either way. Every problem here is a miss and a log line.
/// </summary>
internal sealed class TargetCache
{
    private const string ConfigMediaType = "application/vnd.unikernel-farm.target.v1+json";
    private const string KernelMediaType = "application/vnd.unikernel-farm.target.kernel.v1";
    private const string DotConfigMediaType = "application/vnd.unikernel-farm.target.config.v1";
    private readonly IOciRepository _repository;

    public TargetCache(IOciRepository repository) => _repository = repository;

    public string Name => _repository.Name;

    /// <summary>The repository the worker's artifact caches share (targets, rootfs layers): the cache registry (<c>Farm__Cache__Registry</c>), else a layout.</summary>
    public static IOciRepository OpenRepository(string cacheDirectory, string? cacheRegistry) =>
        Farm.Cache.Store.CacheRegistry.Open(cacheRegistry) is { } registry
            ? registry
            : new OciLayoutRepository(Path.Combine(cacheDirectory, "targets"));

    public static string Tag(string key) => $"target-{key}";

    public async Task<CachedTarget?> TryGetAsync(string key, Action<string> log, CancellationToken cancellationToken)
    {
        try
        {
            if (await _repository.TryGetManifestAsync(Tag(key), cancellationToken).ConfigureAwait(false) is not { IsIndex: false } fetched)
            {
                return null;
            }

            var manifest = ImageManifest.Parse(fetched.Bytes);
            if (manifest.Config.MediaType != ConfigMediaType || manifest.Layers.Count != 2)
            {
                return null;
            }

            using var info = JsonDocument.Parse(await _repository.GetBlobAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false));
            var kernel = await _repository.GetBlobAsync(manifest.Layers[0].Digest, cancellationToken).ConfigureAwait(false);
            var config = await _repository.GetBlobAsync(manifest.Layers[1].Digest, cancellationToken).ConfigureAwait(false);
            var root = info.RootElement;
            return new CachedTarget(kernel, config, root.GetProperty("buildSeconds").GetDouble(), root.GetProperty("bootSeconds").GetDouble(), root.GetProperty("runner").GetString() ?? "?");
        }
        catch (Exception ex) when (ex is RegistryException or IOException or OciFormatException or HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            log($"farm: target cache: warning: reading {Tag(key)[..20]}… from {_repository.Name} failed, building: {ex.Message}");
            return null;
        }
    }

    public async Task PutAsync(string key, CachedTarget target, Action<string> log, CancellationToken cancellationToken)
    {
        try
        {
            var kernel = BlobSource.FromBytes(target.Kernel);
            var config = BlobSource.FromBytes(target.Config);
            var info = BlobSource.FromBytes(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["buildSeconds"] = target.BuildSeconds,
                ["bootSeconds"] = target.BootSeconds,
                ["runner"] = target.Runner,
            })));
            foreach (var blob in new[] { kernel, config, info })
            {
                await _repository.PushBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            }

            var manifest = new ImageManifest(
                new Descriptor(ConfigMediaType, info.Digest, info.Size),
                [new Descriptor(KernelMediaType, kernel.Digest, kernel.Size), new Descriptor(DotConfigMediaType, config.Digest, config.Size)]);
            await _repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, Tag(key), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RegistryException or IOException or OciFormatException or HttpRequestException)
        {
            log($"farm: target cache: warning: storing in {_repository.Name} failed: {ex.Message}");
        }
    }
}

/// <summary>A tested kernel from the target cache, with the figures of the build that made it.</summary>
internal sealed record CachedTarget(byte[] Kernel, byte[] Config, double BuildSeconds, double BootSeconds, string Runner);

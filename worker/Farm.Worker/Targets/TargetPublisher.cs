using Farm.Core.Builds;
using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;
using Farm.Core.Planning;

namespace Farm.Worker.Targets;

/// <summary>A tested target packaged in kraft's layout and pushed by digest: the assemble job lists it in the index and tags.</summary>
internal static class TargetPublisher
{
    /// <summary>Packages the kernel for the build's image and pushes blobs and manifest by digest (the tag is assembling's).</summary>
    public static Task<TargetOutcome> PublishAsync(Kraftfile kraftfile, TargetJob job, byte[] kernel, byte[] config, byte[]? initrd, OciReference reference, IOciRepository repository, CancellationToken cancellationToken) =>
        PublishAsync(kraftfile, job, kernel, DotConfig.Parse(System.Text.Encoding.UTF8.GetString(config), job.KConfig), initrd, reference, repository, null, cancellationToken);

    /// <param name="kernelFrom">Where the kernel layer already is (a runtime image): on the same registry it is mounted from there, never uploaded again.</param>
    public static async Task<TargetOutcome> PublishAsync(Kraftfile kraftfile, TargetJob job, byte[] kernel, DotConfig config, byte[]? initrd, OciReference reference, IOciRepository repository, KernelLayerSource? kernelFrom, CancellationToken cancellationToken)
    {
        var image = new TargetImage(job.Target, job.Platform, job.Architecture, kernel, config)
        {
            Name = kraftfile.Name,
            Initrd = initrd,
            Cmd = kraftfile.Cmd,
            Env = kraftfile.Env.Select(e => e.ToString()).ToList(),
            Labels = kraftfile.Labels,
        };
        var packaged = TargetPackager.Package(image, reference);
        foreach (var blob in packaged.Blobs)
        {
            if (kernelFrom is { } from && blob.Digest == from.Layer && repository is RegistryRepository registry
                && from.Repository is { IsLayout: false } source && source.Registry == reference.Registry && source.Repository != reference.Repository)
            {
                await registry.PushBlobAsync(blob, mountFrom: source.Repository, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await repository.PushBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            }
        }

        var digest = await repository.PutManifestAsync(packaged.Manifest, MediaTypes.ImageManifest, tag: null, cancellationToken).ConfigureAwait(false);
        return new TargetOutcome(TargetState.Succeeded, null) { ManifestDigest = digest.Value, IndexEntry = IndexEntries.ToJson(packaged.IndexEntry), KernelBytes = kernel.LongLength };
    }
}

/// <summary>A kernel layer that is already in a repository (the runtime image's), by digest.</summary>
internal sealed record KernelLayerSource(OciReference Repository, Digest Layer);

namespace Farm.Core.Oci;

public static class MediaTypes
{
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string ImageConfig = "application/vnd.oci.image.config.v1+json";
    public const string Layer = "application/vnd.oci.image.layer.v1.tar";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string CosignPayload = "application/vnd.dev.cosign.simplesigning.v1+json";

    /// <summary>What a manifest GET must accept: the registry answers 404 for a stored type not listed.</summary>
    public static readonly string[] Manifests = [ImageIndex, ImageManifest, DockerManifestList, DockerManifest];

    public static bool IsIndex(string mediaType) => mediaType is ImageIndex or DockerManifestList;
}

namespace Farm.Cache.Store;

/// <summary>Where direct-mode manifests are kept: the worker's disk, directly or through the broker.</summary>
public interface IManifestStore
{
    byte[]? GetManifest(string scope, string key);

    void PutManifest(string scope, string key, byte[] manifest);
}

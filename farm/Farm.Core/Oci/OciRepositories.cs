using Farm.Core.Oci.Layout;

namespace Farm.Core.Oci;

/// <summary>Opens the repository an <see cref="OciReference"/> names: a layout directory or a registry repository.</summary>
public static class OciRepositories
{
    public static IOciRepository Open(OciReference reference, Distribution.RegistryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.IsLayout
            ? new OciLayoutRepository(reference.LayoutDirectory!)
            : new Distribution.RegistryRepository(new Distribution.RegistryClient(reference.Registry!, options), reference.Repository);
    }
}

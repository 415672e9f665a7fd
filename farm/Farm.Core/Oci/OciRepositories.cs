using Farm.Core.Oci.Layout;

namespace Farm.Core.Oci;

/// <summary>Opens the repository an <see cref="OciReference"/> names: a layout directory or a registry repository.</summary>
public static class OciRepositories
{
    public static IOciRepository Open(OciReference reference, Distribution.RegistryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return reference.IsLayout
            ? new OciLayoutRepository(reference.LayoutDirectory!)
            : throw new NotSupportedException("registry repositories arrive with the distribution client");
    }
}

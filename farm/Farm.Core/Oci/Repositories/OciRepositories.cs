using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Layout;

namespace Farm.Core.Oci.Repositories;

/// <summary>
/// Opens the repository an <see cref="OciReference"/> names: a layout directory or a registry repository. Above both
/// kinds, so that neither knows the other and the model in <c>Farm.Core.Oci</c> knows neither.
/// </summary>
public static class OciRepositories
{
    public static IOciRepository Open(OciReference reference, RegistryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.IsLayout
            ? new OciLayoutRepository(reference.LayoutDirectory!)
            : new RegistryRepository(new RegistryClient(reference.Registry!, options), reference.Repository);
    }
}

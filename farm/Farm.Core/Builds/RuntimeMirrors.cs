using Farm.Core.Oci;

namespace Farm.Core.Builds;

/// <summary>
/// Where runtime images are really fetched from. A runtime such as <c>unikraft.org/base:latest</c> names a registry
/// this farm may not reach (here, none but loopback); a mirror maps a registry to a repository prefix
/// (<c>unikraft.org=127.0.0.1:5000/mirror</c> gives <c>127.0.0.1:5000/mirror/base:latest</c>) or to an OCI layout
/// (<c>unikraft.org=oci:out/catalog</c> gives <c>oci:out/catalog:base</c>, the tag <c>farm build</c> gives an app).
/// </summary>
public sealed class RuntimeMirrors
{
    private readonly List<(string Registry, string Target)> _mirrors = [];

    /// <summary>Adds <c>REGISTRY=TARGET</c>; false when the text is not of that form.</summary>
    public bool TryAdd(string mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var eq = mapping.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == mapping.Length - 1)
        {
            return false;
        }

        _mirrors.Add((mapping[..eq].TrimEnd('/'), mapping[(eq + 1)..].TrimEnd('/')));
        return true;
    }

    /// <summary>The reference to fetch <paramref name="runtime"/> (fully qualified, <c>registry/repo:tag</c>) from.</summary>
    public string Resolve(string runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        foreach (var (registry, target) in _mirrors)
        {
            if (!runtime.StartsWith(registry + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var rest = runtime[(registry.Length + 1)..];
            if (!target.StartsWith(OciReference.LayoutPrefix, StringComparison.Ordinal))
            {
                return $"{target}/{rest}";
            }

            var colon = rest.LastIndexOf(':');
            var (repository, tag) = colon > 0 ? (rest[..colon], rest[(colon + 1)..]) : (rest, OciReference.DefaultTag);
            var name = repository.Replace('/', '-');
            return $"{target}:{(tag == OciReference.DefaultTag ? name : $"{name}-{tag}")}";
        }

        return runtime;
    }
}

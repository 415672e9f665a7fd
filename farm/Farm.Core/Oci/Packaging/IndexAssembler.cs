namespace Farm.Core.Oci.Packaging;

/// <summary>
/// Builds the multi-platform index: merges target entries into an existing index, replacing the entry of the same
/// target (by the farm's target annotation, else by platform for entries other tools wrote) and keeping the
/// others, in a stable order so the same set of manifests always gives the same index digest.
/// </summary>
public static class IndexAssembler
{
    public static ImageIndex Merge(ImageIndex? existing, IEnumerable<Descriptor> entries)
    {
        var merged = (existing?.Manifests ?? []).ToList();
        var added = entries.ToList();
        foreach (var entry in added)
        {
            var target = entry.Annotation(KraftAnnotations.Target);
            merged.RemoveAll(m => m.Annotation(KraftAnnotations.Target) is { } t
                ? t == target && SamePlatform(m, entry)
                : SamePlatform(m, entry));
            merged.Add(entry);
        }

        var ordered = merged
            .OrderBy(m => m.Platform?.Os, StringComparer.Ordinal)
            .ThenBy(m => m.Platform?.Architecture, StringComparer.Ordinal)
            .ThenBy(m => m.Annotation(KraftAnnotations.Target), StringComparer.Ordinal)
            .ThenBy(m => m.Digest.Value, StringComparer.Ordinal)
            .ToList();
        var annotations = new Dictionary<string, string>(existing?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [KraftAnnotations.KraftKitVersion] = KraftAnnotations.KraftKitVersionValue,
        };
        // kraft names the index as it names each manifest: the image's name, and containerd's full reference.
        foreach (var key in new[] { KraftAnnotations.RefName, KraftAnnotations.ContainerdImageName })
        {
            if (added.Select(e => e.Annotation(key)).LastOrDefault(v => v is not null) is { } value)
            {
                annotations[key] = value;
            }
        }

        return new ImageIndex(ordered) { Annotations = annotations };
    }

    private static bool SamePlatform(Descriptor a, Descriptor b) =>
        a.Platform?.Os == b.Platform?.Os && a.Platform?.Architecture == b.Platform?.Architecture;
}

namespace Farm.Core.Yaml;

/// <summary>
/// YAML 1.1 merge keys: <c>&lt;&lt;: *base</c> (or a list of aliases) copies the entries of the merged maps
/// whose keys the map does not set itself; explicit keys win wherever they appear, earlier merges win over later ones.
/// </summary>
internal static class MergeKeys
{
    public static YamlMapping Apply(YamlMapping map, out YamlProblem? error)
    {
        error = null;
        if (!map.Entries.Any(IsMerge))
        {
            return map;
        }

        var result = new YamlMapping(map.Start);
        var explicitKeys = new HashSet<string>(map.Entries.Where(e => !IsMerge(e)).Select(e => e.Key.Text), StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            if (!IsMerge(entry))
            {
                result.Add(entry.Key, entry.Value);
                continue;
            }

            IEnumerable<YamlNode> sources = entry.Value is YamlSequence seq ? seq.Items : [entry.Value];
            foreach (var source in sources)
            {
                if (source is not YamlMapping merged)
                {
                    error = new YamlProblem(source.Start, $"a merge key '<<' takes a map or a list of maps, not {source.KindName}");
                    return map;
                }

                foreach (var inherited in merged.Entries)
                {
                    if (!explicitKeys.Contains(inherited.Key.Text) && taken.Add(inherited.Key.Text))
                    {
                        result.Add(inherited.Key, inherited.Value);
                    }
                }
            }
        }

        return result;
    }

    private static bool IsMerge(KeyValuePair<YamlScalar, YamlNode> entry) =>
        entry.Key.IsPlain && entry.Key.Text == "<<" && entry.Key.Tag is null;
}

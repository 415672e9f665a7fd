using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>Reads <c>labels</c>: a map of strings that becomes the OCI image config's <c>Labels</c>.</summary>
internal static class LabelsReader
{
    public static IReadOnlyList<KeyValuePair<string, string>> Read(ReadContext context, YamlNode node)
    {
        if (node is YamlScalar { IsNull: true })
        {
            return [];
        }

        if (context.Map(node, "labels", "a map of label names to values") is not { } map)
        {
            return [];
        }

        var labels = new List<KeyValuePair<string, string>>();
        foreach (var entry in context.Entries(map, "labels"))
        {
            switch (entry.Value)
            {
                case YamlScalar s:
                    labels.Add(new(entry.Name, s.IsNull ? "" : s.Text));
                    break;
                default:
                    context.Error(entry.Value, ReadContext.Child("labels", entry.Name), $"expected a text value, found {entry.Value.KindName}");
                    break;
            }
        }

        return labels;
    }
}

using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Reads <c>volumes</c>: <c>src[:dst]</c> strings (one or a list), maps of driver, source, destination, readonly
/// (in a list, or named in a map as spec 0.5 files do).
/// </summary>
internal static class VolumesReader
{
    private static readonly string[] Keys = ["driver", "source", "destination", "readonly"];

    public static IReadOnlyList<Volume> Read(ReadContext context, YamlNode node)
    {
        var volumes = new List<Volume>();
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                break;
            case YamlScalar { Kind: ScalarKind.Text } s:
                AddString(context, volumes, s, "volumes");
                break;
            case YamlSequence list:
                for (var i = 0; i < list.Items.Count; i++)
                {
                    var field = ReadContext.Item("volumes", i);
                    switch (list.Items[i])
                    {
                        case YamlScalar { Kind: ScalarKind.Text } item:
                            AddString(context, volumes, item, field);
                            break;
                        case YamlMapping map:
                            AddMap(context, volumes, map, field);
                            break;
                        default:
                            context.Error(list.Items[i], field, $"expected SOURCE[:DESTINATION] or a map with source and destination, found {list.Items[i].KindName}");
                            break;
                    }
                }

                break;
            case YamlMapping named:
                // The 0.5-era form: a map of volume names to their settings (app-ruby, app-click).
                context.Warning(named, "volumes", "a map of named volumes is the spec 0.5 form: kraft v0.9 reads it as one empty volume; write a list (- source: ... destination: ...)");
                foreach (var entry in context.Entries(named, "volumes"))
                {
                    var field = ReadContext.Child("volumes", entry.Name);
                    if (context.Map(entry.Value, field, "a map with driver, source and destination") is { } map)
                    {
                        AddMap(context, volumes, map, field);
                    }
                }

                break;
            default:
                context.Error(node, "volumes", $"expected SOURCE[:DESTINATION], a list of volumes or a map of named volumes, found {node.KindName}");
                break;
        }

        return volumes;
    }

    private static void AddString(ReadContext context, List<Volume> volumes, YamlScalar s, string field)
    {
        var parts = s.Text.Split(':');
        if (parts.Length > 2 || parts[0].Length == 0)
        {
            context.Error(s, field, $"expected SOURCE[:DESTINATION], found '{s.Text}'");
            return;
        }

        volumes.Add(new Volume(parts[0], parts.Length == 2 ? parts[1] : "/", Driver: null, ReadOnly: false));
    }

    private static void AddMap(ReadContext context, List<Volume> volumes, YamlMapping map, string field)
    {
        var entries = context.Entries(map, field);
        context.WarnUnknownKeys(entries, field, Keys, "a volume");
        string? source = null, destination = null, driver = null;
        var readOnly = false;
        foreach (var entry in entries)
        {
            var path = ReadContext.Child(field, entry.Name);
            switch (entry.Name)
            {
                case "source":
                    source = context.Text(entry.Value, path, "a path on the host");
                    break;
                case "destination":
                    destination = context.Text(entry.Value, path, "a path in the unikernel");
                    break;
                case "driver":
                    driver = context.Text(entry.Value, path, "a volume driver such as 9pfs");
                    break;
                case "readonly" when entry.Value is YamlScalar { Kind: ScalarKind.Boolean } b:
                    readOnly = Yaml11Scalars.IsTrue(b.Text);
                    break;
                case "readonly":
                    context.Error(entry.Value, path, $"expected true or false, found {entry.Value.KindName}");
                    break;
            }
        }

        if (source is null)
        {
            context.Error(map, ReadContext.Child(field, "source"), "a volume needs a source");
            return;
        }

        volumes.Add(new Volume(source, destination, driver, readOnly));
    }
}

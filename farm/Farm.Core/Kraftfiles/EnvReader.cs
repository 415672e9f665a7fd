using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>Reads <c>env</c>: a list of <c>K=V</c> or a map. kraft compiles at most 15 entries into the kernel.</summary>
internal static class EnvReader
{
    public const int CompiledInLimit = 15;

    public static IReadOnlyList<EnvVariable> Read(ReadContext context, YamlNode node)
    {
        var result = new List<EnvVariable>();
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                return result;
            case YamlMapping map:
                foreach (var entry in context.Entries(map, "env"))
                {
                    var value = entry.Value switch
                    {
                        YamlScalar { IsNull: true } => "",
                        YamlScalar s => s.Text,
                        _ => null,
                    };
                    if (value is null)
                    {
                        context.Error(entry.Value, ReadContext.Child("env", entry.Name), $"expected a value, found {entry.Value.KindName}");
                        continue;
                    }

                    Add(context, result, new EnvVariable(entry.Name, value, entry.Key.Start), entry.Key, ReadContext.Child("env", entry.Name));
                }

                break;
            case YamlSequence list:
                for (var i = 0; i < list.Items.Count; i++)
                {
                    var field = ReadContext.Item("env", i);
                    if (context.Text(list.Items[i], field, "NAME=VALUE") is not { } text)
                    {
                        continue;
                    }

                    var eq = text.IndexOf('=', StringComparison.Ordinal);
                    var (name, value) = eq < 0 ? (text, "") : (text[..eq], text[(eq + 1)..]);
                    if (name.Length == 0)
                    {
                        context.Error(list.Items[i], field, $"expected NAME=VALUE, but '{text}' has no name");
                        continue;
                    }

                    Add(context, result, new EnvVariable(name, value, list.Items[i].Start), list.Items[i], field);
                }

                break;
            default:
                context.Error(node, "env", $"expected a list of NAME=VALUE or a map of NAME: VALUE, found {node.KindName}");
                break;
        }

        return result;
    }

    private static void Add(ReadContext context, List<EnvVariable> result, EnvVariable variable, YamlNode at, string field)
    {
        if (variable.Value.Length == 0)
        {
            context.Warning(at, field, $"'{variable.Name}' has no value: kraft would copy it from the build host's environment, which makes a build depend on the worker; the farm compiles in an empty value");
        }

        var earlier = result.FindIndex(v => v.Name == variable.Name);
        if (earlier >= 0)
        {
            context.Warning(at, field, $"'{variable.Name}' is set twice; the later value wins");
            result.RemoveAt(earlier);
        }

        if (result.Count == CompiledInLimit)
        {
            context.Warning(at, field, $"kraft compiles at most {CompiledInLimit} environment variables into the kernel; '{variable.Name}' and any after it are skipped");
            return;
        }

        result.Add(variable);
    }
}

using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>Reads <c>cmd</c>: a list of arguments, or one string split as a shell would (quotes and backslashes).</summary>
internal static class CmdReader
{
    public static IReadOnlyList<string> Read(ReadContext context, YamlNode node)
    {
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                return [];
            case YamlScalar s:
                if (ShellWords.TrySplit(s.Text, out var words, out var error))
                {
                    return words;
                }

                context.Error(s, "cmd", error);
                return [];
            case YamlSequence list:
                var args = new List<string>();
                for (var i = 0; i < list.Items.Count; i++)
                {
                    if (context.Text(list.Items[i], ReadContext.Item("cmd", i), "an argument (text)") is { } arg)
                    {
                        args.Add(arg);
                    }
                }

                return args;
            default:
                context.Error(node, "cmd", $"expected a command line or a list of arguments, found {node.KindName}");
                return [];
        }
    }
}

using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Reads a <c>kconfig</c> section: a map (<c>CONFIG_X: y</c>) or a list (<c>- CONFIG_X=y</c>). Map values follow
/// YAML 1.1 (booleans become y/n, integers decimal); list values are kept verbatim after the first '=', quotes included.
/// </summary>
internal static class KConfigReader
{
    public static KConfig Read(ReadContext context, YamlNode? node, string field)
    {
        switch (node)
        {
            case null or YamlScalar { IsNull: true }:
                return KConfig.Empty;
            case YamlMapping map:
                return new KConfig(ReadMap(context, map, field));
            case YamlSequence list:
                return new KConfig(ReadList(context, list, field));
            default:
                context.Warning(node, field, $"kconfig is a map (CONFIG_X: y) or a list (- CONFIG_X=y); kraft ignores {node.KindName}");
                return KConfig.Empty;
        }
    }

    private static List<KConfigEntry> ReadMap(ReadContext context, YamlMapping map, string field)
    {
        var entries = new List<KConfigEntry>();
        foreach (var entry in context.Entries(map, field))
        {
            var path = ReadContext.Child(field, entry.Name);
            var value = entry.Value switch
            {
                YamlScalar { IsNull: true } => null,
                YamlScalar { Kind: ScalarKind.Boolean } s => Yaml11Scalars.IsTrue(s.Text) ? "y" : "n",
                YamlScalar { Kind: ScalarKind.WholeNumber } s => Yaml11Scalars.IntegerToDecimal(s.Text) ?? s.Text,
                YamlScalar s => s.Text,
                _ => null,
            };
            if (value is null)
            {
                var found = entry.Value is YamlScalar ? "nothing" : entry.Value.KindName;
                context.Error(entry.Value is YamlScalar ? entry.Key : entry.Value, path, $"needs a value (y, n, a number or a string), found {found}");
                continue;
            }

            if (entry.Value is YamlScalar { Kind: ScalarKind.RealNumber } real)
            {
                context.Warning(real, path, $"'{real.Text}' is a fractional number, which kraft cannot write into .config; quote it to keep it as text");
            }

            Add(context, entries, new KConfigEntry(entry.Name, value, entry.Key.Start, path), entry.Key);
        }

        return entries;
    }

    private static List<KConfigEntry> ReadList(ReadContext context, YamlSequence list, string field)
    {
        var entries = new List<KConfigEntry>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            var path = ReadContext.Item(field, i);
            if (item is not YamlScalar { Kind: ScalarKind.Text or ScalarKind.WholeNumber } scalar)
            {
                context.Error(item, path, $"expected a KEY=VALUE string, found {item.KindName}");
                continue;
            }

            var eq = scalar.Text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == scalar.Text.Length - 1)
            {
                var why = eq < 0 ? "has no '='" : eq == 0 ? "has no key before '='" : "has no value after '='";
                context.Error(item, path, $"expected KEY=VALUE (e.g. CONFIG_LIBUKDEBUG=y), but '{scalar.Text}' {why}");
                continue;
            }

            var key = scalar.Text[..eq];
            Add(context, entries, new KConfigEntry(key, scalar.Text[(eq + 1)..], item.Start, ReadContext.Child(field, key)), item);
        }

        return entries;
    }

    private static void Add(ReadContext context, List<KConfigEntry> entries, KConfigEntry entry, YamlNode at)
    {
        if (!entry.Key.StartsWith("CONFIG_", StringComparison.Ordinal))
        {
            context.Warning(at, entry.Field, $"'{entry.Key}' does not start with CONFIG_, so Unikraft's kconfig will not recognise it");
        }

        entries.Add(entry);
    }
}

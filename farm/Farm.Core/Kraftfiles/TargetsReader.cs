using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Reads <c>targets</c>: <c>"plat/arch"</c> strings or maps (<c>name</c>, <c>architecture</c>|<c>arch</c>,
/// <c>platform</c>|<c>plat</c>, <c>kconfig</c>). A target without a name takes the project's name as written.
/// </summary>
internal static class TargetsReader
{
    private static readonly string[] Keys = ["name", "architecture", "arch", "platform", "plat", "kconfig", "kernel"];

    public static IReadOnlyList<Target> Read(ReadContext context, YamlNode node, string defaultName)
    {
        if (node is not YamlSequence list)
        {
            context.Error(node, "targets", $"expected a list of targets such as '- qemu/x86_64', found {node.KindName}");
            return [];
        }

        var targets = new List<Target>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            var field = ReadContext.Item("targets", i);
            var target = item switch
            {
                YamlScalar { Kind: ScalarKind.Text } s => FromString(context, s, field, defaultName, i),
                YamlMapping map => FromMap(context, map, field, defaultName, i),
                _ => Invalid(context, item, field),
            };
            if (target is not null)
            {
                WarnIfSameKernel(context, targets, target, item, field);
                targets.Add(target);
            }
        }

        return targets;
    }

    private static Target? FromString(ReadContext context, YamlScalar scalar, string field, string name, int index)
    {
        var slash = scalar.Text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            context.Error(scalar, field, $"expected PLATFORM/ARCHITECTURE (e.g. qemu/x86_64), found '{scalar.Text}'");
            return null;
        }

        var plat = Platform(context, scalar, field + ".platform", scalar.Text[..slash]);
        var arch = Architecture(context, scalar, field + ".architecture", scalar.Text[(slash + 1)..]);
        return plat is null || arch is null ? null : new Target(name, plat, arch, KConfig.Empty, scalar.Start, index);
    }

    private static Target? FromMap(ReadContext context, YamlMapping map, string field, string name, int index)
    {
        var entries = context.Entries(map, field);
        context.WarnUnknownKeys(entries, field, Keys, "a target");
        (string Text, YamlNode At, string Field)? plat = null, arch = null;
        var kconfig = KConfig.Empty;
        var ok = true;
        foreach (var entry in entries)
        {
            var path = ReadContext.Child(field, entry.Name);
            switch (entry.Name)
            {
                case "name" or "kernel":
                    var text = context.Text(entry.Value, path, "the target's name");
                    ok &= text is not null;
                    name = entry.Name == "kernel" && entries.Any(e => e.Name == "name") ? name : text ?? name;
                    break;
                case "architecture" or "arch":
                    var a = context.Text(entry.Value, path, "an architecture (x86_64, arm64 or arm)");
                    ok &= a is not null;
                    arch = a is null ? arch : (a, entry.Value, path);
                    break;
                case "platform" or "plat":
                    var p = context.Text(entry.Value, path, "a platform (qemu, fc, xen, linuxu)");
                    ok &= p is not null;
                    plat = p is null ? plat : (p, entry.Value, path);
                    break;
                case "kconfig":
                    kconfig = KConfigReader.Read(context, entry.Value, path);
                    break;
            }
        }

        // kraft lets `platform: qemu/x86_64` name the architecture too.
        if (plat is { } pl && pl.Text.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
        {
            var implied = pl.Text[(slash + 1)..];
            if (arch is { } given && given.Text != implied)
            {
                context.Error(given.At, given.Field, $"'{given.Text}' contradicts the architecture '{implied}' in platform '{pl.Text}'");
                ok = false;
            }

            arch ??= (implied, pl.At, pl.Field);
            plat = (pl.Text[..slash], pl.At, pl.Field);
        }

        if (!ok)
        {
            return null;
        }

        if (arch is null)
        {
            context.Error(map, ReadContext.Child(field, "architecture"), "architecture must be specified for every target (x86_64, arm64 or arm)");
        }

        if (plat is null)
        {
            context.Error(map, ReadContext.Child(field, "platform"), "platform must be specified for every target (qemu, fc, xen, linuxu)");
        }

        if (name.Length == 0)
        {
            context.Error(map, ReadContext.Child(field, "name"), "the target has no name and the project has none to lend it; set 'name'");
            return null;
        }

        var platform = plat is { } pp ? Platform(context, pp.At, pp.Field, pp.Text) : null;
        var architecture = arch is { } aa ? Architecture(context, aa.At, aa.Field, aa.Text) : null;
        return platform is null || architecture is null ? null : new Target(name, platform, architecture, kconfig, map.Start, index);
    }

    private static string? Platform(ReadContext context, YamlNode at, string field, string written)
    {
        if (Platforms.Canonicalize(written) is { } canonical)
        {
            return canonical;
        }

        var hint = NearestWord.Find(written, Platforms.Spellings) is { } near ? $"did you mean '{near}'? " : "";
        context.Error(at, field, $"unknown platform '{written}'; {hint}expected one of {string.Join(", ", Platforms.Known)} (or kvm, firecracker)");
        return null;
    }

    private static string? Architecture(ReadContext context, YamlNode at, string field, string written)
    {
        if (Architectures.Canonicalize(written) is { } canonical)
        {
            return canonical;
        }

        var hint = Architectures.Suggest(written) is { } near ? $"did you mean '{near}'? " : "";
        context.Error(at, field, $"unknown architecture '{written}'; {hint}expected one of {string.Join(", ", Architectures.Known)}");
        return null;
    }

    private static Target? Invalid(ReadContext context, YamlNode item, string field)
    {
        context.Error(item, field, $"expected a target: a PLATFORM/ARCHITECTURE string or a map with platform and architecture, found {item.KindName}");
        return null;
    }

    private static void WarnIfSameKernel(ReadContext context, List<Target> earlier, Target target, YamlNode at, string field)
    {
        if (earlier.Find(t => t.KernelFileName == target.KernelFileName) is { } same)
        {
            context.Warning(at, field, $"builds the same kernel file '{target.KernelFileName}' as targets[{same.Index}]; give one of them a distinct name");
        }
    }
}

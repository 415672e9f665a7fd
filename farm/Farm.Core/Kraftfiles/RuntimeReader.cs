using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>Reads <c>runtime</c>: <c>name[:tag]</c>, <c>oci://ref</c>, <c>kernel://path</c>, or a map of source, version and kconfig.</summary>
internal static class RuntimeReader
{
    private static readonly string[] Keys = ["source", "version", "kconfig"];

    public static RuntimeReference? Read(ReadContext context, YamlNode node, string field)
    {
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                return null;
            case YamlScalar { Kind: ScalarKind.Text } scalar:
                return FromString(context, scalar, scalar.Text, version: null, KConfig.Empty, field);
            case YamlMapping map:
                return FromMap(context, map, field);
            default:
                context.Error(node, field, $"expected an image reference such as base:latest (or oci://REF, kernel://PATH, or a map of source and version), found {node.KindName}");
                return null;
        }
    }

    private static RuntimeReference? FromMap(ReadContext context, YamlMapping map, string field)
    {
        var entries = context.Entries(map, field);
        context.WarnUnknownKeys(entries, field, Keys, "a runtime");
        YamlNode? sourceNode = null;
        string? source = null, version = null;
        var kconfig = KConfig.Empty;
        foreach (var entry in entries)
        {
            var path = ReadContext.Child(field, entry.Name);
            switch (entry.Name)
            {
                case "source":
                    sourceNode = entry.Value;
                    source = context.Text(entry.Value, path, "an image reference such as unikraft.org/base");
                    break;
                case "version":
                    version = context.Text(entry.Value, path, "a tag such as latest");
                    break;
                case "kconfig":
                    kconfig = KConfigReader.Read(context, entry.Value, path);
                    break;
            }
        }

        if (source is null)
        {
            if (sourceNode is null)
            {
                context.Error(map, ReadContext.Child(field, "source"), "a runtime map needs 'source': the image, e.g. unikraft.org/base");
            }

            return null;
        }

        return FromString(context, sourceNode!, source, version, kconfig, ReadContext.Child(field, "source"));
    }

    private static RuntimeReference? FromString(ReadContext context, YamlNode at, string written, string? version, KConfig kconfig, string field)
    {
        if (written.StartsWith("kernel://", StringComparison.Ordinal))
        {
            var path = written["kernel://".Length..];
            if (path.Length == 0)
            {
                context.Error(at, field, "kernel:// needs the path of a kernel file after it");
                return null;
            }

            return new RuntimeReference(written, path, IsKernelFile: true, kconfig, at.Start);
        }

        var reference = written.StartsWith("oci://", StringComparison.Ordinal) ? written["oci://".Length..] : written;
        if (reference.Contains("://", StringComparison.Ordinal))
        {
            context.Error(at, field, $"'{written}' has a scheme kraft does not know; use name[:tag], oci://REF or kernel://PATH");
            return null;
        }

        if (version is not null)
        {
            var slash = reference.LastIndexOf('/');
            var colon = reference.LastIndexOf(':');
            reference = (colon > slash ? reference[..colon] : reference) + ":" + version;
        }

        if (!ImageReference.TryQualify(reference, RuntimeReference.DefaultRegistry, out var qualified, out var error))
        {
            context.Error(at, field, error);
            return null;
        }

        return new RuntimeReference(written, qualified, IsKernelFile: false, kconfig, at.Start);
    }
}

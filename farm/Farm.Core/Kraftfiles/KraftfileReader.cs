using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Turns the YAML tree of a Kraftfile into a <see cref="Kraftfile"/>, reporting every problem it finds rather
/// than stopping at the first. Each top-level key has one handler; unknown keys are warnings, as kraft ignores them.
/// </summary>
internal sealed class KraftfileReader
{
    private static readonly string[] TopLevelKeys =
        ["spec", "specification", "name", "outdir", "cmd", "env", "labels", "rootfs", "volumes", "unikraft", "template", "runtime", "libraries", "targets"];

    private readonly ReadContext _context;
    private readonly string _path;
    private readonly string _directoryName;

    public KraftfileReader(ReadContext context, string path, string directoryName)
    {
        _context = context;
        _path = path;
        _directoryName = directoryName;
    }

    public Kraftfile? Read(YamlNode? root)
    {
        if (root is null or YamlScalar { IsNull: true })
        {
            _context.Diagnostics.Error(Mark.FileStart, "", $"the file is empty; a Kraftfile is a YAML map that starts with 'spec: v{SpecReader.Latest}'");
            return null;
        }

        if (root is not YamlMapping map)
        {
            _context.Error(root, "", $"a Kraftfile is a YAML map of keys (spec, name, targets, ...), but this file holds {root.KindName}");
            return null;
        }

        var entries = _context.Entries(map, "");
        foreach (var legacy in entries.Where(e => e.Name is "architectures" or "platforms"))
        {
            _context.Warning(legacy.Key, legacy.Name, $"'{legacy.Name}' is how spec 0.2-0.4 files listed what to build; kraft ignores it now: list 'targets' (e.g. targets: [qemu/x86_64])");
        }

        _context.WarnUnknownKeys(entries.Where(e => e.Name is not ("architectures" or "platforms")), "", TopLevelKeys, "a Kraftfile");
        var spec = SpecReader.Read(_context, entries, map);
        YamlNode? Get(string key) => entries.FirstOrDefault(e => e.Name == key)?.Value;

        var writtenName = Get("name") is { } nameNode ? _context.Text(nameNode, "name", "the project's name") : null;
        var rawName = string.IsNullOrEmpty(writtenName) ? _directoryName : writtenName;
        var name = ProjectName.Normalize(rawName);
        if (name.Length == 0)
        {
            _context.Diagnostics.Warning(Get("name")?.Start ?? Mark.FileStart, "name", $"'{rawName}' has no letters or digits left after kraft's normalisation; set a 'name'");
        }

        var unikraft = Get("unikraft") is { } u ? ComponentReader.Read(_context, u, "unikraft") : null;
        var template = Get("template") is { } t ? ComponentReader.Read(_context, t, "template", isTemplate: true) : null;
        var runtime = Get("runtime") is { } r ? RuntimeReader.Read(_context, r, "runtime") : null;
        var libraries = Get("libraries") is { } l ? ReadLibraries(l) : [];
        var targets = Get("targets") is { } ts ? TargetsReader.Read(_context, ts, rawName) : [];
        var kind = unikraft is not null || template is not null ? KraftfileKind.Source : KraftfileKind.Runtime;
        CheckKind(kind, runtime, libraries, targets, map, Get);

        var kraftfile = new Kraftfile
        {
            Path = _path,
            Directory = _context.Directory,
            Spec = spec ?? "",
            Name = name,
            OutDir = Get("outdir") is { } o ? _context.Text(o, "outdir", "a directory") ?? "" : ".unikraft/build",
            Kind = kind,
            Cmd = Get("cmd") is { } c ? CmdReader.Read(_context, c) : [],
            Env = Get("env") is { } e ? EnvReader.Read(_context, e) : [],
            Labels = Get("labels") is { } lb ? LabelsReader.Read(_context, lb) : [],
            Rootfs = Get("rootfs") is { } rf ? _context.Text(rf, "rootfs", "a path (a directory, Dockerfile, cpio or tarball) or an image reference") : null,
            RootfsAt = Get("rootfs")?.Start ?? Mark.FileStart,
            Volumes = Get("volumes") is { } v ? VolumesReader.Read(_context, v) : [],
            Unikraft = unikraft,
            Template = template,
            Runtime = kind == KraftfileKind.Runtime ? runtime ?? RuntimeReference.Default : runtime,
            Libraries = libraries,
            Targets = targets,
            Extensions = entries.Where(x => x.Name.StartsWith("x-", StringComparison.Ordinal) && x.Name != "x-farm").ToDictionary(x => x.Name, x => x.Value),
            Farm = Get("x-farm") is { } xf ? FarmSettingsReader.Read(_context, xf) : FarmSettings.Default,
        };
        return _context.Diagnostics.HasErrors ? null : kraftfile;
    }

    private void CheckKind(KraftfileKind kind, RuntimeReference? runtime, IReadOnlyList<Library> libraries, IReadOnlyList<Target> targets, YamlMapping map, Func<string, YamlNode?> get)
    {
        if (kind == KraftfileKind.Source)
        {
            if (runtime is not null)
            {
                _context.Warning(get("runtime")!, "runtime", "ignored: this Kraftfile builds its kernel from source ('unikraft' or 'template')");
            }

            if (targets.Count == 0 && get("targets") is null && get("template") is null)
            {
                _context.Warning(map, "targets", "no targets: kraft has nothing to build from source; add e.g. 'targets: [qemu/x86_64]'");
            }

            return;
        }

        if (libraries.Count > 0)
        {
            _context.Warning(get("libraries")!, "libraries", "ignored: libraries are built only with 'unikraft' (this Kraftfile reuses a runtime's kernel)");
        }
    }

    private IReadOnlyList<Library> ReadLibraries(YamlNode node)
    {
        if (_context.Map(node, "libraries", "a map of library names to a version, a source, or a map of source, version and kconfig") is not { } map)
        {
            return [];
        }

        var libraries = new List<Library>();
        foreach (var entry in _context.Entries(map, "libraries"))
        {
            var field = ReadContext.Child("libraries", entry.Name);
            if (entry.Value is YamlScalar { IsNull: true })
            {
                _context.Error(entry.Key, field, "needs a version (e.g. stable), a source, or a map of source, version and kconfig; kraft refuses an empty library");
                continue;
            }

            if (ComponentReader.Read(_context, entry.Value, field) is { } component)
            {
                libraries.Add(new Library(entry.Name, component));
            }
        }

        return libraries;
    }
}

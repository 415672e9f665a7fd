using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>Every real Kraftfile in ../shared/kraftfiles reads as kraft reads it: name, spec, kind, runtime and targets.</summary>
public sealed class KraftfileCorpusTests
{
    private static readonly string ExpectationsFile = Path.Combine(AppContext.BaseDirectory, "Kraftfiles", "corpus-expected.tsv");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var row in Expectations())
        {
            data.Add(row[0]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Load_RealKraftfile_ReadsNameSpecKindRuntimeAndTargetsAsKraft(string relativePath)
    {
        var root = TestPaths.RequireSharedKraftfiles();
        var expected = Expectations().Single(r => r[0] == relativePath);

        var result = new KraftfileParser().Load(Path.Combine(root, relativePath));

        var k = result.Kraftfile;
        var targets = k is null || k.Targets.Count == 0 ? "-" : string.Join(" ", k.Targets.Select(t => $"{t.Name}:{t.Platform}/{t.Architecture}"));
        var runtime = k is { Kind: KraftfileKind.Runtime, Runtime: { } r } ? r.Reference : "-";
        var actual = new[]
        {
            relativePath,
            result.IsValid ? "true" : "false",
            k?.Spec ?? "-",
            k?.Name ?? "-",
            k is null ? "-" : k.Kind == KraftfileKind.Source ? "source" : "runtime",
            runtime,
            targets,
        };
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Expectations_CoverEveryFileOfTheCorpus()
    {
        var root = TestPaths.RequireSharedKraftfiles();
        var onDisk = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => f != "README.md")
            .Order(StringComparer.Ordinal);

        Assert.Equal(onDisk, Expectations().Select(r => r[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_EmptyCatalogFiles_AreInvalidWithALocatedError()
    {
        var root = TestPaths.RequireSharedKraftfiles();

        var result = new KraftfileParser().Load(Path.Combine(root, "catalog", "tests", "os-demo", "Kraftfile"));

        var error = Assert.Single(result.Errors);
        Assert.Equal((1, 1), (error.Line, error.Column));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LegacyAppWithPerTargetKconfig_KeepsTargetKconfigVerbatim()
    {
        var root = TestPaths.RequireSharedKraftfiles();

        var k = new KraftfileParser().Load(Path.Combine(root, "app-wamr")).Kraftfile!;

        var initrd = k.Targets.Single(t => t.Name == "wamr-qemu-x86_64-initrd");
        Assert.Equal(("qemu", "x86_64"), (initrd.Platform, initrd.Architecture));
        // List-form values are kept verbatim after the first '=', quotes included, as kraft does.
        Assert.Contains(initrd.KConfig.Entries, e => e.Key == "CONFIG_LIBVFSCORE_ROOTFS" && e.Value == "\"initrd\"");
        Assert.Contains(k.Unikraft!.KConfig.Entries, e => e.Key == "CONFIG_LIBUKLIBPARAM" && e.Value == "y");
    }

    [Fact]
    public void Load_ElfloaderKconfig_ConvertsYaml11ScalarsAsKraft()
    {
        var root = TestPaths.RequireSharedKraftfiles();

        var k = new KraftfileParser().Load(Path.Combine(root, "app-elfloader")).Kraftfile!;

        var values = k.Unikraft!.KConfig.Entries.ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal("n", values["CONFIG_APPELFLOADER_VFSEXEC_EXECBIT"]);
        Assert.Equal("0", values["CONFIG_LIBPOSIX_USER_GID"]);
        Assert.Equal("0x400000000", values["CONFIG_LIBUKBOOT_HEAP_BASE"]);
        Assert.Equal("32768", values["CONFIG_UKPLAT_KSP_SIZE"]);
        Assert.Equal("stable", k.Unikraft.Version);
    }

    private static IEnumerable<string[]> Expectations() =>
        File.ReadLines(ExpectationsFile)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'));
}

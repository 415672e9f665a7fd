using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// Inputs that reach the object without passing through the preprocessed text the key is built from. Each test
/// changes one and checks that farm-cc writes what a compile with an empty cache writes: a hit here is a wrong hit.
/// </summary>
public sealed class WrongHitTests
{
    [Fact]
    public void Run_IncbinFileChanged_WritesTheNewObject()
    {
        // .incbin pulls a file into the object in the assembler, after the preprocessor: ccache refuses to cache it.
        using var temp = new TempDirectory();
        temp.Write("blob.S", "\t.section .rodata\n\t.globl blob\nblob:\n\t.incbin \"blob.bin\"\n");
        temp.Write("blob.bin", "first version of the blob\n");
        var settings = TestSettings.Local(temp.Combine("cache"));
        Compile(settings, temp.Path, "-c", "blob.S", "-o", "blob.o");

        temp.Write("blob.bin", "second version, another length\n");

        AssertFresh(temp, Compile(settings, temp.Path, "-c", "blob.S", "-o", "blob.o"), "blob.o", "-c", "blob.S", "-o", "blob.o");
    }

    [Fact]
    public void Run_PlainAssemblyIncludeChanged_WritesTheNewObject()
    {
        // A .s file is keyed by its own bytes; the assembler's .include brings in another file's.
        using var temp = new TempDirectory();
        temp.Write("p.s", ".include \"defs.inc\"\n\t.text\n\t.globl p\np:\n\tmov $VALUE, %eax\n\tret\n");
        temp.Write("defs.inc", "\t.set VALUE, 1\n");
        var settings = TestSettings.Local(temp.Combine("cache"));
        Compile(settings, temp.Path, "-c", "p.s", "-o", "p.o");

        temp.Write("defs.inc", "\t.set VALUE, 2\n");

        AssertFresh(temp, Compile(settings, temp.Path, "-c", "p.s", "-o", "p.o"), "p.o", "-c", "p.s", "-o", "p.o");
    }

    [Fact]
    public void Run_OtherAssemblyFileWithXAssembler_WritesItsOwnObject()
    {
        // With -x assembler, gcc -E prints nothing for the source: the key must still see the file's bytes.
        using var temp = new TempDirectory();
        temp.Write("one.s", "\t.text\n\t.globl one\none:\n\tmov $1, %eax\n\tret\n");
        temp.Write("two.s", "\t.text\n\t.globl two\ntwo:\n\tmov $2, %eax\n\tret\n");
        var settings = TestSettings.Local(temp.Combine("cache"));
        Compile(settings, temp.Path, "-x", "assembler", "-c", "one.s", "-o", "one.o");

        var run = Compile(settings, temp.Path, "-x", "assembler", "-c", "two.s", "-o", "two.o");

        AssertFresh(temp, run, "two.o", "-x", "assembler", "-c", "two.s", "-o", "two.o");
    }

    [Fact]
    public void Run_IdentNamingTheBuildDirectoryInAnotherDirectory_WritesThatDirectorysObject()
    {
        // #ident puts its string in the object's .comment; a preprocessed line that starts with '#' but is not a
        // line marker must not have its paths normalised.
        using var temp = new TempDirectory();
        string Setup(string root)
        {
            temp.Write($"{root}/src/id.c", "#include \"config.h\"\n#ident CONFIG_BUILD_DIR\nint x;\n");
            temp.Write($"{root}/build/config.h", $"#define CONFIG_BUILD_DIR \"{temp.Combine(root, "build")}\"\n");
            return temp.Combine(root, "build");
        }

        CacheSettings Settings(string root, string cache) =>
            TestSettings.Local(temp.Combine(cache), ("FARM_CACHE_PREFIX_MAP", $"{temp.Combine(root, "src")}=/farm/app:{temp.Combine(root, "build")}=/farm/build"));

        string[] Arguments(string root) => ["-I.", "-c", temp.Combine(root, "src", "id.c"), "-o", "id.o"];
        Compile(Settings("a", "cache-a"), Setup("a"), Arguments("a"));
        var buildB = Setup("b");
        Compile(Settings("b", "cache-empty"), buildB, Arguments("b"));
        var fresh = File.ReadAllBytes(Path.Combine(buildB, "id.o"));

        var run = Compile(Settings("b", "cache-a"), buildB, Arguments("b"));

        Assert.Equal(fresh, File.ReadAllBytes(Path.Combine(buildB, "id.o")));
        Assert.True(run.Missed, $"a hit hands b the object naming a's build directory: {run}");
    }

    /// <summary>The run wrote what farm-cc writes with an empty cache, and did not hit (a miss, or not cacheable at all).</summary>
    private static void AssertFresh(TempDirectory temp, CompileRun run, string output, params string[] arguments)
    {
        var written = File.ReadAllBytes(temp.Combine(output));
        File.Delete(temp.Combine(output));
        using var empty = new TempDirectory();
        Compile(TestSettings.Local(empty.Path), temp.Path, arguments);

        Assert.Equal(File.ReadAllBytes(temp.Combine(output)), written);
        Assert.True(run.Missed || run.Events.Any(e => e.StartsWith("uncacheable", StringComparison.Ordinal)), $"a changed input must not hit: {run}");
    }

    private static CompileRun Compile(CacheSettings settings, string workingDirectory, params string[] arguments)
    {
        var run = CompileRun.Of(settings, workingDirectory, arguments);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}

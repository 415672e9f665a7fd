using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// What goes into the key of a real compile (gcc through <c>FarmCc.Run</c>): each input changes it, and output paths,
/// dependency-file paths and the build directory do not. The key is read from where the entry was stored, one fresh
/// cache per compile.
/// </summary>
public sealed class CompileKeyTests
{
    [Fact]
    public void Key_CompilerContentDiffers_KeyDiffers()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");

        var one = KeyWith(CompilerScript.Write(temp, "one/gcc", "one"), temp.Path, null, "-c", "a.c");
        var two = KeyWith(CompilerScript.Write(temp, "two/gcc", "two"), temp.Path, null, "-c", "a.c");

        Assert.NotEqual(one, two);
    }

    [Fact]
    public void Key_SameCompilerContentAtAnotherPath_SameKey()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");

        var one = KeyWith(CompilerScript.Write(temp, "one/gcc", "same"), temp.Path, null, "-c", "a.c");
        var two = KeyWith(CompilerScript.Write(temp, "two/gcc", "same"), temp.Path, null, "-c", "a.c");

        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData("-O1", "-O2")]
    [InlineData("-DUNUSED=1", "-DUNUSED=2")] // a macro the source never uses: only the argument differs
    [InlineData("-g", "-g0")]
    [InlineData("-mno-red-zone", "-mred-zone")]
    [InlineData("-fPIC", "-fno-PIC")]
    [InlineData("-Wall", "-w")] // the messages a hit replays
    [InlineData("-std=gnu11", "-std=gnu17")]
    public void Key_ShapingArgumentDiffers_KeyDiffers(string one, string two)
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");

        Assert.NotEqual(KeyOf(temp.Path, one, "-c", "a.c"), KeyOf(temp.Path, two, "-c", "a.c"));
    }

    [Fact]
    public void Key_HeaderFoundThroughIncludePathDiffers_KeyDiffers()
    {
        // The same -I argument, a different header behind it: only the preprocessed input can tell.
        using var temp = new TempDirectory();
        var source = "#include \"config.h\"\nint a(void) { return CONFIG_A; }\n";
        temp.Write("x/a.c", source);
        temp.Write("x/inc/config.h", "#define CONFIG_A 1\n");
        temp.Write("y/a.c", source);
        temp.Write("y/inc/config.h", "#define CONFIG_A 2\n");

        Assert.NotEqual(KeyOf(temp.Combine("x"), "-Iinc", "-c", "a.c"), KeyOf(temp.Combine("y"), "-Iinc", "-c", "a.c"));
    }

    [Fact]
    public void Key_IncludePathOrderDiffers_KeyDiffers()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "#include \"config.h\"\nint a(void) { return CONFIG_A; }\n");
        temp.Write("one/config.h", "#define CONFIG_A 1\n");
        temp.Write("two/config.h", "#define CONFIG_A 2\n");

        Assert.NotEqual(KeyOf(temp.Path, "-Ione", "-Itwo", "-c", "a.c"), KeyOf(temp.Path, "-Itwo", "-Ione", "-c", "a.c"));
    }

    [Fact]
    public void Key_SourceContentDiffers_KeyDiffers()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");
        var before = KeyOf(temp.Path, "-c", "a.c");

        temp.Write("a.c", "int a(void) { return 2; }\n");

        Assert.NotEqual(before, KeyOf(temp.Path, "-c", "a.c"));
    }

    [Fact]
    public void Key_IncludedHeaderContentDiffers_KeyDiffers()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "#include \"a.h\"\nint a(void) { return A; }\n");
        temp.Write("a.h", "#define A 1\n");
        var before = KeyOf(temp.Path, "-c", "a.c");

        temp.Write("a.h", "#define A 2\n");

        Assert.NotEqual(before, KeyOf(temp.Path, "-c", "a.c"));
    }

    [Fact]
    public void Key_CommentInSourceDiffers_SameKey()
    {
        // The key holds what the compiler sees; a comment (as a generated header's path in one) is not part of it.
        using var temp = new TempDirectory();
        temp.Write("a.c", "/* one */\nint a(void) { return 1; }\n");
        var before = KeyOf(temp.Path, "-c", "a.c");

        temp.Write("a.c", "/* two */\nint a(void) { return 1; }\n");

        Assert.Equal(before, KeyOf(temp.Path, "-c", "a.c"));
    }

    [Fact]
    public void Key_PreprocessedAssemblyContentDiffers_KeyDiffers()
    {
        using var temp = new TempDirectory();
        temp.Write("s.S", "#include \"s.h\"\n\t.text\n\t.globl s\ns:\n\tmov $VALUE, %eax\n\tret\n");
        temp.Write("s.h", "#define VALUE 1\n");
        var before = KeyOf(temp.Path, "-c", "s.S");

        temp.Write("s.h", "#define VALUE 2\n");
        var headerChanged = KeyOf(temp.Path, "-c", "s.S");
        temp.Write("s.S", "#include \"s.h\"\n\t.text\n\t.globl s\ns:\n\tmov $VALUE, %ebx\n\tret\n");

        Assert.NotEqual(before, headerChanged);
        Assert.NotEqual(headerChanged, KeyOf(temp.Path, "-c", "s.S"));
    }

    [Fact]
    public void Key_PlainAssemblyContentDiffers_KeyDiffers()
    {
        using var temp = new TempDirectory();
        temp.Write("p.s", "\t.text\n\t.globl p\np:\n\tmov $1, %eax\n\tret\n");
        var before = KeyOf(temp.Path, "-c", "p.s");

        temp.Write("p.s", "\t.text\n\t.globl p\np:\n\tmov $2, %eax\n\tret\n");

        Assert.NotEqual(before, KeyOf(temp.Path, "-c", "p.s"));
    }

    [Fact]
    public void Key_SameTextAsAnotherLanguage_KeyDiffers()
    {
        using var temp = new TempDirectory();
        const string text = "int a(void) { return 1; }\n";
        temp.Write("c/a.c", text);
        temp.Write("cpp/a.c", text);

        Assert.NotEqual(KeyOf(temp.Combine("c"), "-c", "a.c"), KeyOf(temp.Combine("cpp"), "-x", "c++", "-c", "a.c"));
    }

    [Theory]
    [InlineData("-o", "a.o", "-o", "out/other.o")]
    [InlineData("-oa.o", null, "-oout/other.o", null)]
    public void Key_OutputPathDiffers_SameKey(string first, string? firstValue, string second, string? secondValue)
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");
        temp.CreateDirectory("out");

        Assert.Equal(
            KeyOf(temp.Path, [.. Pair(first, firstValue), "-c", "a.c"]),
            KeyOf(temp.Path, [.. Pair(second, secondValue), "-c", "a.c"]));
    }

    [Theory]
    [InlineData("-MD", "-MF", "a.d", "deps/other.d")]
    [InlineData("-MMD", "-MF", "a.d", "deps/other.d")]
    [InlineData("-MD", null, "-MFa.d", "-MFdeps/other.d")]
    [InlineData(null, null, "-Wp,-MD,a.d", "-Wp,-MD,deps/.other.o.d")]
    public void Key_DependencyFilePathDiffers_SameKey(string? mode, string? option, string first, string second)
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");
        temp.CreateDirectory("deps");
        string[] With(string path) => [.. Pair(mode, null), .. Pair(option, null), path, "-c", "a.c", "-o", "a.o"];

        Assert.Equal(KeyOf(temp.Path, With(first)), KeyOf(temp.Path, With(second)));
    }

    [Fact]
    public void Key_DefaultDependencyFileOfOtherOutput_SameKey()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", "int a(void) { return 1; }\n");
        temp.CreateDirectory("out");

        Assert.Equal(KeyOf(temp.Path, "-MD", "-c", "a.c", "-o", "a.o"), KeyOf(temp.Path, "-MD", "-c", "a.c", "-o", "out/b.o"));
    }

    [Fact]
    public void Key_OtherBuildDirectoryThroughPrefixMap_SameKey()
    {
        using var temp = new TempDirectory();
        var one = new SampleProject(temp.Combine("one"));
        var two = one.CopyTo(temp.Combine("second-checkout"));
        var main = one.Compiles.Single(c => c.Name == "main.c");

        Assert.Equal(
            KeyWith(CompileRun.Gcc, one.Build, one.PrefixMap, [.. main.Arguments]),
            KeyWith(CompileRun.Gcc, two.Build, two.PrefixMap, [.. two.Compiles.Single(c => c.Name == "main.c").Arguments]));
    }

    [Fact]
    public void Key_OtherBuildDirectoryWithoutItsRootsInThePrefixMap_KeyDiffers()
    {
        // Without the source root in the map, the -I and source paths (and the line markers) keep the directories apart.
        using var temp = new TempDirectory();
        var one = new SampleProject(temp.Combine("one"));
        var two = one.CopyTo(temp.Combine("second-checkout"));

        Assert.NotEqual(
            KeyWith(CompileRun.Gcc, one.Build, null, [.. one.Compiles.Single(c => c.Name == "main.c").Arguments]),
            KeyWith(CompileRun.Gcc, two.Build, null, [.. two.Compiles.Single(c => c.Name == "main.c").Arguments]));
    }

    private static string[] Pair(string? option, string? value) =>
        option is null ? [] : value is null ? [option] : [option, value];

    private static string KeyOf(string workingDirectory, params string[] arguments) =>
        KeyWith(CompileRun.Gcc, workingDirectory, null, arguments);

    /// <summary>Compiles once into a fresh cache and returns the key the entry was stored under.</summary>
    private static string KeyWith(string compiler, string workingDirectory, string? prefixMap, params string[] arguments)
    {
        using var cache = new TempDirectory();
        var run = CompileRun.Of(compiler, TestSettings.Local(cache.Path, ("FARM_CACHE_PREFIX_MAP", prefixMap)), workingDirectory, arguments);
        Assert.True(run.ExitCode == 0 && run.Missed, $"farm-cc {string.Join(' ', arguments)}: {run}");
        return Assert.Single(CacheLayout.ActionKeys(cache.Path));
    }
}

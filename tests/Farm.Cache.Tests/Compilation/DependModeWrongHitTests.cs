using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// What could make depend mode serve a wrong object: each test compiles, changes one input the object depends on,
/// compiles again, and checks the object is what a compile with an empty cache and the preprocessor path writes.
/// </summary>
public sealed class DependModeWrongHitTests
{
    private static readonly string[] Compile = ["-nostdinc", "-O2", "-Iearly", "-Ilate", "-c", "main.c", "-o", "main.o"];

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("early/unrelated.h", "#define UNRELATED 1\n");
        temp.Write("late/value.h", "#define VALUE 41\n");
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE; }\n");
        return temp;
    }

    private static CompileRun Run(TempDirectory temp, string[] arguments, string compiler = CompileRun.Gcc) =>
        Succeeded(CompileRun.Of(compiler, TestSettings.Local(temp.Combine("cache")), temp.Path, arguments));

    private static CompileRun Succeeded(CompileRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    /// <summary>The run did not hit, and wrote the object of a compile with an empty cache, without depend mode.</summary>
    private static void AssertFresh(TempDirectory temp, CompileRun run, string[] arguments, string compiler = CompileRun.Gcc, string? directory = null)
    {
        directory ??= temp.Path;
        var written = File.ReadAllBytes(Path.Combine(directory, "main.o"));
        File.Delete(Path.Combine(directory, "main.o"));
        using var empty = new TempDirectory();
        Succeeded(CompileRun.Of(compiler, TestSettings.Local(empty.Path, ("FARM_CACHE_DEPEND", "0")), directory, arguments));

        Assert.False(run.Hit, $"a changed input must not hit: {run}");
        Assert.Equal(File.ReadAllBytes(Path.Combine(directory, "main.o")), written);
    }

    [Fact]
    public void Run_HeaderChanged_WritesTheNewObject()
    {
        using var temp = Project();
        Run(temp, Compile);
        temp.Write("late/value.h", "#define VALUE 42\n");

        AssertFresh(temp, Run(temp, Compile), Compile);
    }

    [Fact]
    public void Run_NewHeaderShadowsTheOldOneInAnEarlierDirectory_WritesTheNewObject()
    {
        using var temp = Project();
        Run(temp, Compile);
        temp.Write("early/value.h", "#define VALUE 7\n");

        AssertFresh(temp, Run(temp, Compile), Compile);
    }

    [Fact]
    public void Run_NewHeaderShadowsTheOldOneInTheSourcesDirectory_WritesTheNewObject()
    {
        using var temp = Project();
        temp.Write("main.c", "#include \"value.h\"\nint value(void) { return VALUE; }\n");
        Run(temp, Compile);
        temp.Write("value.h", "#define VALUE 8\n");

        AssertFresh(temp, Run(temp, Compile), Compile);
    }

    [Fact]
    public void Run_MacroChanged_WritesTheNewObject()
    {
        using var temp = Project();
        Run(temp, [.. Compile, "-DEXTRA=1"]);

        string[] changed = [.. Compile, "-DEXTRA=2"];
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE + EXTRA; }\n");
        Run(temp, [.. Compile, "-DEXTRA=1"]);

        AssertFresh(temp, Run(temp, changed), changed);
    }

    [Fact]
    public void Run_MacroNamingTheBuildDirectoryInAnotherDirectory_WritesThatDirectorysObject()
    {
        // The prefix map makes the two directories' -D arguments look alike; the string in the object is not mapped.
        using var temp = new TempDirectory();
        string[] Arguments(string root) =>
            ["-nostdinc", $"-DBUILD_DIR=\"{temp.Combine(root)}\"", "-c", "main.c", "-o", "main.o"];
        foreach (var root in new[] { "a", "b" })
        {
            temp.Write($"{root}/main.c", "const char *where = BUILD_DIR;\n");
        }

        Succeeded(CompileRun.Of(CompileRun.Gcc, TestSettings.Local(temp.Combine("cache")), temp.Combine("a"), Arguments("a")));
        var run = Succeeded(CompileRun.Of(CompileRun.Gcc, TestSettings.Local(temp.Combine("cache")), temp.Combine("b"), Arguments("b")));

        AssertFresh(temp, run, Arguments("b"), directory: temp.Combine("b"));
    }

    [Fact]
    public void Run_CompilerChangedInPlace_WritesTheNewCompilersObject()
    {
        using var temp = Project();
        var compiler = temp.Write("bin/cc", "#!/bin/sh\nexec gcc -DVALUE_OFFSET=1 \"$@\"\n");
        File.SetUnixFileMode(compiler, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE + VALUE_OFFSET; }\n");
        Run(temp, Compile, compiler);

        temp.Write("bin/cc", "#!/bin/sh\n# a newer release\nexec gcc -DVALUE_OFFSET=2 \"$@\"\n");

        AssertFresh(temp, Run(temp, Compile, compiler), Compile, compiler);
    }

    [Theory]
    [InlineData("main.c", "const char *built = __DATE__ \" \" __TIME__;\n")]
    [InlineData("late/stamp.h", "#define STAMP __TIMESTAMP__\n")]
    public void Run_SourceOrHeaderReadsTheClock_NeverRecordsAManifest(string file, string text)
    {
        // Unchanged files do not mean an unchanged object: the manifest would hand back yesterday's time.
        using var temp = Project();
        temp.Write("main.c", "#include <value.h>\n#include <stamp.h>\nint value(void) { return VALUE; }\n");
        temp.Write("late/stamp.h", "/* nothing */\n");
        temp.Write(file, text + (file == "main.c" ? "#include <value.h>\nint value(void) { return VALUE; }\n" : string.Empty));

        var first = Run(temp, Compile);
        var second = Run(temp, Compile);

        Assert.Contains("uncacheable __DATE__,___TIME___or___TIMESTAMP__", first.Events);
        Assert.False(second.Has("direct"), second.ToString());
        Assert.False(first.Has("manifest") || second.Has("manifest"), $"{first}\n{second}");
        Assert.False(Directory.Exists(temp.Combine("cache", "v1", "mf")), "no manifest on disk");
    }

    [Fact]
    public void Run_HeaderOutsideTheBuildsRoots_ChangedThere_WritesTheNewObject()
    {
        // The dependency file names an absolute path no prefix maps: the manifest keeps it absolute, and checks it.
        using var temp = Project();
        using var outside = new TempDirectory();
        outside.Write("vendor/value.h", "#define VALUE 100\n");
        string[] arguments = ["-nostdinc", $"-I{outside.Combine("vendor")}", "-c", "main.c", "-o", "main.o"];
        Run(temp, arguments);
        File.Delete(temp.Combine("main.o"));
        Assert.True(Run(temp, arguments).Has("direct"));

        outside.Write("vendor/value.h", "#define VALUE 101\n");

        AssertFresh(temp, Run(temp, arguments), arguments);
    }

    [Fact]
    public void Run_HeaderWithASpaceInItsName_IsNotKeyedByAHalfReadDependencyFile()
    {
        // gcc writes "dir\ with\ space/value.h": split at the spaces, the header would be left out of the manifest.
        using var temp = Project();
        temp.Write("with space/value.h", "#define VALUE 5\n");
        string[] arguments = ["-nostdinc", "-Iwith space", "-c", "main.c", "-o", "main.o"];
        var first = Run(temp, arguments);
        temp.Write("with space/value.h", "#define VALUE 6\n");

        Assert.Contains("uncacheable dependency_file_with_escaped_names", first.Events);
        AssertFresh(temp, Run(temp, arguments), arguments);
    }
}

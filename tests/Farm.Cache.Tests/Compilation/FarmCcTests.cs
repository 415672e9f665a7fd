using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>farm-cc's whole run with the real gcc: hits, what it cannot cache, failed compiles, inputs edited mid-compile.</summary>
public sealed class FarmCcTests
{
    private const string Source = "#include \"a.h\"\nint answer(void) { return ANSWER; }\n";

    [Fact]
    public void Run_SecondCompile_HitsLocalAndWritesTheSameObject()
    {
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        var cold = Compile(settings, temp);
        var expected = File.ReadAllBytes(temp.Combine("a.o"));
        File.Delete(temp.Combine("a.o"));

        var warm = Compile(settings, temp);

        Assert.True(cold.Missed && cold.Has("stored trusted"), cold.ToString());
        Assert.True(warm.Has("hit local"), warm.ToString());
        Assert.Equal(expected, File.ReadAllBytes(temp.Combine("a.o")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Run_CompilerNotFound_Exit127WithOneLineNotAStackTrace(bool cacheOn)
    {
        using var temp = Project();
        var settings = cacheOn ? TestSettings.Local(temp.Combine("cache")) : TestSettings.FromVariables();

        var run = CompileRun.Of("farm-no-such-cc", settings, temp.Path, ["-c", "a.c", "-o", "a.o"]);

        Assert.Equal(127, run.ExitCode);
        Assert.Equal("farm-cc: cannot run farm-no-such-cc: No such file or directory", run.Stderr.Trim());
    }

    [Fact]
    public void Run_IncludeDirectoriesThatDoNotExistOrAreFiles_CompilesAndHits()
    {
        // Unikraft passes -I for directories a configuration leaves out (plat/drivers/include); gcc ignores them.
        // -nostdinc is what makes farm-cc list the include directories (direct mode), as it does for Unikraft.
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        string[] includes = ["-nostdinc", "-I", temp.Combine("no-such-directory"), "-I", temp.Combine("a.h"), $"-I{temp.Combine("gone", "include")}"];

        var cold = Compile(settings, temp, includes);
        File.Delete(temp.Combine("a.o"));
        var warm = Compile(settings, temp, includes);

        Assert.True(cold.Missed && cold.Has("stored trusted"), cold.ToString());
        Assert.True(warm.Has("hit local"), warm.ToString());
    }

    [Fact]
    public void Run_CacheDisabled_RunsTheCompilerOnly()
    {
        using var temp = Project();

        var run = CompileRun.Of(TestSettings.FromVariables(), temp.Path, "-c", "a.c", "-o", "a.o");

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(temp.Combine("a.o")));
        Assert.Equal(["a.c", "a.h", "a.o"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Run_Preprocess_RunsTheCompilerAndCountsTheReason()
    {
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = CompileRun.Of(settings, temp.Path, "-E", "a.c");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("int answer(void) { return 42; }", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(["uncacheable -E_(not_a_compile_to_an_object)"], run.Events);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_TwoSources_RunsTheCompilerAndCountsTheReason()
    {
        using var temp = Project();
        temp.Write("b.c", "int b(void) { return 1; }\n");
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = CompileRun.Of(settings, temp.Path, "-c", "a.c", "b.c");

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(temp.Combine("a.o")) && File.Exists(temp.Combine("b.o")));
        Assert.Equal(["uncacheable more_than_one_source_file"], run.Events);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_ResponseFile_RunsTheCompilerAndCountsTheReason()
    {
        using var temp = Project();
        temp.Write("args.rsp", "-c a.c -o from-rsp.o\n");
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = CompileRun.Of(settings, temp.Path, "@args.rsp");

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(temp.Combine("from-rsp.o")));
        Assert.Equal(["uncacheable @file_arguments"], run.Events);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_Link_RunsTheCompilerAndCountsTheReason()
    {
        using var temp = Project();
        temp.Write("main.c", "int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n");
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = CompileRun.Of(settings, temp.Path, "a.c", "main.c", "-o", "prog");

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(temp.Combine("prog")));
        Assert.Single(run.Events);
        Assert.StartsWith("uncacheable ", run.Events[0], StringComparison.Ordinal);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_LinkOfOneSource_RunsTheCompilerAndCountsNoC()
    {
        using var temp = Project();
        temp.Write("main.c", "int main(void) { return 0; }\n");
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = CompileRun.Of(settings, temp.Path, "main.c", "-o", "prog");

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(temp.Combine("prog")));
        Assert.Equal(["uncacheable no_-c_(a_link_or_a_preprocess)"], run.Events);
    }

    [Fact]
    public void Run_CompileError_ReturnsGccsExitCodeAndMessageAndStoresNothing()
    {
        using var temp = Project();
        temp.Write("bad.c", "int broken(void) { return 1 }\n");
        var settings = TestSettings.Local(temp.Combine("cache"));

        var gcc = PlainGcc.Run(temp.Path, "-c", "bad.c", "-o", "bad.o");

        var run = CompileRun.Of(settings, temp.Path, "-c", "bad.c", "-o", "bad.o");

        Assert.Equal(gcc.ExitCode, run.ExitCode);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("error:", gcc.Stderr, StringComparison.Ordinal);
        Assert.Equal(gcc.Stderr, run.Stderr);
        Assert.True(run.Missed, run.ToString());
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
        Assert.False(File.Exists(temp.Combine("bad.o")));
    }

    [Fact]
    public void Run_MissingHeader_ReturnsGccsExitCodeAndMessageOnceAndStoresNothing()
    {
        using var temp = Project();
        temp.Write("bad.c", "#include \"missing.h\"\nint x;\n");
        var settings = TestSettings.Local(temp.Combine("cache"));

        var gcc = PlainGcc.Run(temp.Path, "-c", "bad.c", "-o", "bad.o");

        var run = CompileRun.Of(settings, temp.Path, "-c", "bad.c", "-o", "bad.o");

        Assert.Equal(gcc.ExitCode, run.ExitCode);
        Assert.Contains("missing.h", gcc.Stderr, StringComparison.Ordinal);
        Assert.Equal(gcc.Stderr, run.Stderr);
        Assert.Equal(["uncacheable preprocessor_failed"], run.Events);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_SourceChangedDuringTheCompile_ObjectWrittenButNotStored()
    {
        // The check is "modified after the compile started": a future mtime stands for an edit made while gcc ran.
        using var temp = Project();
        File.SetLastWriteTimeUtc(temp.Combine("a.c"), DateTime.UtcNow.AddHours(1));
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = Compile(settings, temp);

        Assert.True(File.Exists(temp.Combine("a.o")));
        Assert.Contains("uncacheable an_input_changed_during_the_compile", run.Events);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
        Assert.True(Compile(settings, temp).Missed);
    }

    [Fact]
    public void Run_HeaderChangedDuringTheCompile_ObjectWrittenButNotStored()
    {
        using var temp = Project();
        File.SetLastWriteTimeUtc(temp.Combine("a.h"), DateTime.UtcNow.AddHours(1));
        var settings = TestSettings.Local(temp.Combine("cache"));

        var run = Compile(settings, temp, "-MD", "-MF", "a.d");

        Assert.Contains("uncacheable an_input_changed_during_the_compile", run.Events);
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_ReadOnlyMiss_CompilesAndWritesNoEntry()
    {
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"), ("FARM_CACHE_READONLY", "1"));

        var run = Compile(settings, temp);

        Assert.True(run.Missed && !run.Has("stored"), run.ToString());
        Assert.True(File.Exists(temp.Combine("a.o")));
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public void Run_ReadOnlyWithAnEntry_Hits()
    {
        using var temp = Project();
        var cache = temp.Combine("cache");
        Compile(TestSettings.Local(cache), temp);

        var run = Compile(TestSettings.Local(cache, ("FARM_CACHE_READONLY", "1")), temp);

        Assert.True(run.Has("hit local"), run.ToString());
    }

    [Fact]
    public void Run_CacheDirectoryNotWritable_StillCompiles()
    {
        // A cache directory this user cannot write (another user's, a read-only mount) makes writing the compiler
        // memo fail with UnauthorizedAccessException. These tests run as root, which permissions do not stop, so a
        // directory where the memo file should be stands in: opening it for writing fails the same way (EISDIR).
        using var temp = Project();
        var settings = TestSettings.Local(temp.Combine("cache"));
        Directory.CreateDirectory(temp.Combine("cache", "compilers.tsv"));

        var run = Compile(settings, temp);

        Assert.True(File.Exists(temp.Combine("a.o")), run.ToString());
    }

    [Fact]
    public void Run_HitWithAWarning_ReplaysTheWarningWithThisBuildsPaths()
    {
        using var temp = new TempDirectory();
        const string source = "#include \"config.h\"\nint f(void) { int unused; return CONFIG_X; }\n";
        string[] Arguments(string root) => ["-Wall", "-O2", $"-I{root}/build", "-c", $"{root}/src/w.c", "-o", "w.o"];
        var settingsA = Settings(temp, "first", "cache-a");
        CompileRun.Of(settingsA, Setup(temp, "first", source), Arguments(temp.Combine("first")));
        var buildB = Setup(temp, "the-second-one", source);
        var fresh = CompileRun.Of(Settings(temp, "the-second-one", "cache-empty"), buildB, Arguments(temp.Combine("the-second-one")));

        var hit = CompileRun.Of(Settings(temp, "the-second-one", "cache-a"), buildB, Arguments(temp.Combine("the-second-one")));

        Assert.True(hit.Has("hit local"), hit.ToString());
        Assert.Contains($"{temp.Combine("the-second-one")}/src/w.c:2:19: warning: unused variable", fresh.Stderr, StringComparison.Ordinal);
        Assert.Equal(fresh.Stderr, hit.Stderr);
    }

    private static string Setup(TempDirectory temp, string root, string source)
    {
        temp.Write($"{root}/src/w.c", source);
        temp.Write($"{root}/build/config.h", $"/* generated in {temp.Combine(root)} */\n#define CONFIG_X 1\n");
        return temp.Combine(root, "build");
    }

    private static CacheSettings Settings(TempDirectory temp, string root, string cache) =>
        TestSettings.Local(temp.Combine(cache), ("FARM_CACHE_PREFIX_MAP", $"{temp.Combine(root, "src")}=/farm/app:{temp.Combine(root, "build")}=/farm/build"));

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("a.c", Source);
        temp.Write("a.h", "#define ANSWER 42\n");
        return temp;
    }

    private static CompileRun Compile(CacheSettings settings, TempDirectory temp, params string[] more)
    {
        var run = CompileRun.Of(settings, temp.Path, [.. more, "-O2", "-c", "a.c", "-o", "a.o"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}

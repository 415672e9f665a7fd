using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// Depend mode (the default): a direct-mode miss compiles once and learns the headers from a dependency file, with no
/// <c>gcc -E</c> run for the key, and the next compile hits through the manifest. The compiler here is a script that
/// logs each command line, so a test can see whether the preprocessor ran.
/// </summary>
public sealed class DependModeTests
{
    private static readonly string[] Compile = ["-nostdinc", "-O2", "-Iearly", "-Ilate", "-c", "main.c", "-o", "main.o"];

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("early/unrelated.h", "#define UNRELATED 1\n");
        temp.Write("late/value.h", "#define VALUE 41\n");
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE; }\n");
        var gcc = temp.Write("bin/gcc", $"#!/bin/sh\necho \"$*\" >> {temp.Combine("compiles.log")}\nexec gcc \"$@\"\n");
        File.SetUnixFileMode(gcc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return temp;
    }

    private static CompileRun Run(TempDirectory temp, string[] arguments, params (string Name, string? Value)[] more) =>
        CompileRun.Of(temp.Combine("bin", "gcc"), TestSettings.Local(temp.Combine("cache"), more), temp.Path, arguments);

    /// <summary>The command lines the compiler script saw since the last call (the log is emptied).</summary>
    private static string[] Compiles(TempDirectory temp)
    {
        var log = temp.Combine("compiles.log");
        var lines = File.Exists(log) ? File.ReadAllLines(log) : [];
        File.Delete(log);
        return lines;
    }

    private static bool Preprocessed(string[] compiles) => compiles.Any(c => c.Split(' ').Contains("-E"));

    [Fact]
    public void Run_Miss_CompilesOnceWithoutThePreprocessorAndTheNextCompileHitsDirect()
    {
        using var temp = Project();
        var miss = Run(temp, Compile);
        var missCompiles = Compiles(temp);
        var written = File.ReadAllBytes(temp.Combine("main.o"));
        File.Delete(temp.Combine("main.o"));

        var hit = Run(temp, Compile);

        Assert.True(miss.Missed, miss.ToString());
        Assert.Single(missCompiles);
        Assert.False(Preprocessed(missCompiles), string.Join('\n', missCompiles));
        Assert.True(hit.Has("direct") && hit.Hit, hit.ToString());
        Assert.Empty(Compiles(temp));
        Assert.Equal(written, File.ReadAllBytes(temp.Combine("main.o")));
    }

    [Fact]
    public void Run_Miss_WritesTheObjectThePreprocessorPathWrites()
    {
        using var temp = Project();
        Run(temp, Compile);
        var depend = File.ReadAllBytes(temp.Combine("main.o"));
        File.Delete(temp.Combine("main.o"));

        CompileRun.Of(temp.Combine("bin", "gcc"), TestSettings.Local(temp.Combine("other-cache"), ("FARM_CACHE_DEPEND", "0")), temp.Path, Compile);

        Assert.Equal(File.ReadAllBytes(temp.Combine("main.o")), depend);
    }

    [Fact]
    public void Run_NoDependencyFileAsked_LeavesNoDependencyFileBehind()
    {
        using var temp = Project();

        Run(temp, Compile);

        var compile = Assert.Single(Compiles(temp)).Split(' ');
        var temporary = compile[Array.IndexOf(compile, "-MF") + 1];
        Assert.StartsWith(Path.GetTempPath(), temporary, StringComparison.Ordinal);
        Assert.False(File.Exists(temporary), temporary);
        Assert.Empty(Directory.EnumerateFiles(temp.Path, "*.d", SearchOption.AllDirectories));
    }

    [Fact]
    public void Run_DependOff_RunsThePreprocessorForTheKey()
    {
        using var temp = Project();

        var run = Run(temp, Compile, ("FARM_CACHE_DEPEND", "false"));

        Assert.True(run.Missed, run.ToString());
        Assert.True(Preprocessed(Compiles(temp)));
    }

    [Theory]
    [InlineData("-MMD")] // the dependency file leaves -isystem headers out
    [InlineData("-Wp,-MMD,.main.o.d")]
    public void Run_DependencyFileThatListsLessThanEveryHeader_FallsBackToThePreprocessor(string option)
    {
        using var temp = Project();

        var run = Run(temp, [.. Compile, option]);

        Assert.True(run.Missed, run.ToString());
        Assert.True(Preprocessed(Compiles(temp)));
    }

    [Fact]
    public void Run_AssemblerWithCpp_FallsBackToThePreprocessor()
    {
        // .include and .incbin are the assembler's: no dependency file lists them, the -E path refuses them.
        using var temp = Project();
        temp.Write("start.S", "#include <value.h>\n\t.globl start\nstart:\n\tmov $VALUE, %eax\n");

        var run = Run(temp, ["-nostdinc", "-Ilate", "-c", "start.S", "-o", "start.o"]);

        Assert.True(run.Missed, run.ToString());
        Assert.True(Preprocessed(Compiles(temp)));
    }

    [Theory]
    [InlineData("-Wp,-MD,.main.o.d", ".main.o.d")]
    [InlineData("-MD", "main.d")]
    [InlineData("-MD -MF deps/main.dep -MP -MT custom", "deps/main.dep")]
    public void Run_BuildsOwnDependencyFile_IsWhatGccWritesOnAMissAndOnAHit(string options, string dependencyFile)
    {
        using var temp = Project();
        temp.CreateDirectory("deps");
        string[] arguments = [.. Compile, .. options.Split(' ')];
        Assert.Equal(0, PlainGcc.Run(temp.Path, arguments).ExitCode);
        var gcc = File.ReadAllText(temp.Combine(dependencyFile));
        File.Delete(temp.Combine(dependencyFile));

        var miss = Run(temp, arguments);
        var onMiss = File.ReadAllText(temp.Combine(dependencyFile));
        File.Delete(temp.Combine(dependencyFile));
        File.Delete(temp.Combine("main.o"));
        var hit = Run(temp, arguments);

        Assert.True(miss.Missed, miss.ToString());
        Assert.False(Preprocessed(Compiles(temp)));
        Assert.True(hit.Has("direct"), hit.ToString());
        Assert.Equal(gcc, onMiss);
        Assert.Equal(gcc, File.ReadAllText(temp.Combine(dependencyFile)));
    }

    [Fact]
    public void Run_HeaderChangedDuringTheCompileWithoutADependencyFile_ObjectWrittenButNotStored()
    {
        // The headers come from farm-cc's own temporary dependency file: an edit while gcc ran is still seen.
        using var temp = Project();
        File.SetLastWriteTimeUtc(temp.Combine("late", "value.h"), DateTime.UtcNow.AddHours(1));

        var run = Run(temp, Compile);

        Assert.True(File.Exists(temp.Combine("main.o")));
        Assert.Contains("uncacheable an_input_changed_during_the_compile", run.Events);
        Assert.Empty(CacheLayout.EntryFiles(temp.Combine("cache")));
    }

    [Fact]
    public void Run_CompileFails_RecordsNothingAndFailsAgainAsGccDoes()
    {
        using var temp = Project();
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE }\n");
        var gcc = PlainGcc.Run(temp.Path, Compile);

        var first = Run(temp, Compile);
        var second = Run(temp, Compile);

        Assert.NotEqual(0, gcc.ExitCode);
        Assert.Equal(gcc.ExitCode, first.ExitCode);
        Assert.Equal(gcc.Stderr, first.Stderr);
        Assert.Equal(gcc.ExitCode, second.ExitCode);
        Assert.Equal(gcc.Stderr, second.Stderr);
        Assert.False(second.Hit, second.ToString());
        Assert.Empty(CacheLayout.EntryFiles(temp.Combine("cache")));
        Assert.False(File.Exists(temp.Combine("main.o")));
    }

    [Fact]
    public void Run_TwoConfigurationsBuiltInTurn_EachHitsItsOwnManifestEntryWithItsOwnObject()
    {
        // The same arguments, another header: one manifest, two entries, neither replacing the other.
        using var temp = Project();
        var objects = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var value in new[] { "1", "2" })
        {
            temp.Write("late/value.h", $"#define VALUE {value}\n");
            Assert.True(Run(temp, Compile).Missed);
            objects[value] = File.ReadAllBytes(temp.Combine("main.o"));
        }

        foreach (var value in new[] { "1", "2", "1" })
        {
            temp.Write("late/value.h", $"#define VALUE {value}\n");
            File.Delete(temp.Combine("main.o"));
            var run = Run(temp, Compile);
            Assert.True(run.Has("direct") && run.Hit, $"VALUE {value}: {run}");
            Assert.Equal(objects[value], File.ReadAllBytes(temp.Combine("main.o")));
        }

        Assert.NotEqual(objects["1"], objects["2"]);
    }

    [Fact]
    public void Merge_KeepsTheNewEntryFirstAndAtMostEightEntries()
    {
        static byte[] Entry(int i) => System.Text.Encoding.UTF8.GetBytes($"{new string((char)('a' + i), 64)}\n{new string('0', 64)}\tfile{i}.h\n");
        var manifest = Entry(0);
        for (var i = 1; i < 10; i++)
        {
            manifest = Farm.Cache.Compilation.DirectManifest.Merge(Entry(i), manifest);
        }

        manifest = Farm.Cache.Compilation.DirectManifest.Merge(Entry(5), manifest);
        var keys = System.Text.Encoding.UTF8.GetString(manifest).Split('\n').Where(l => l.Length == 64).Select(l => l[0]).ToArray();

        Assert.Equal("fjihgedc", new string(keys)); // f (5) moved first, b and a (1, 0) gone
    }
}

using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// Direct mode: a rebuild in place skips the preprocessor when every file the last compile read is unchanged, and
/// never when something it would now read differs, including a new header that shadows an old one.
/// </summary>
public sealed class DirectModeTests
{
    private static readonly string[] Compile = ["-nostdinc", "-O2", "-Iearly", "-Ilate", "-c", "main.c", "-o", "main.o", "-Wp,-MD,.main.o.d"];

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("early/unrelated.h", "#define UNRELATED 1\n");
        temp.Write("late/value.h", "#define VALUE 41\n");
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE; }\n");
        return temp;
    }

    private static CompileRun Run(TempDirectory temp) => CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, Compile);

    private static byte[] Fresh(TempDirectory temp)
    {
        using var empty = new TempDirectory();
        File.Delete(temp.Combine("main.o"));
        Assert.Equal(0, CompileRun.Of(TestSettings.Local(empty.Path), temp.Path, Compile).ExitCode);
        return File.ReadAllBytes(temp.Combine("main.o"));
    }

    [Fact]
    public void Run_RebuildInPlace_HitsWithoutThePreprocessor()
    {
        using var temp = Project();
        Assert.True(Run(temp).Missed);
        File.Delete(temp.Combine("main.o"));

        var again = Run(temp);

        Assert.True(again.Has("direct"), again.ToString());
        Assert.True(again.Hit);
        Assert.Equal(Fresh(temp), File.ReadAllBytes(temp.Combine("main.o")));
    }

    [Fact]
    public void Run_IncludedHeaderChanged_IsNotADirectHitAndGivesTheNewObject()
    {
        using var temp = Project();
        Run(temp);
        temp.Write("late/value.h", "#define VALUE 42\n");

        var again = Run(temp);

        Assert.False(again.Has("direct"), again.ToString());
        Assert.True(again.Missed);
        var written = File.ReadAllBytes(temp.Combine("main.o"));
        Assert.Equal(Fresh(temp), written);
    }

    [Fact]
    public void Run_NewHeaderShadowsTheOldOne_IsNotADirectHitAndGivesTheNewObject()
    {
        using var temp = Project();
        Run(temp);
        temp.Write("early/value.h", "#define VALUE 7\n");

        var again = Run(temp);

        Assert.False(again.Has("direct"), again.ToString());
        Assert.True(again.Missed, again.ToString());
        Assert.Equal(Fresh(temp), File.ReadAllBytes(temp.Combine("main.o")));
    }

    [Fact]
    public void Run_WithoutNostdinc_NeverTakesTheShortcut()
    {
        using var temp = Project();
        string[] arguments = ["-O2", "-Iearly", "-Ilate", "-c", "main.c", "-o", "main.o", "-MD"];
        CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, arguments);

        var again = CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, arguments);

        Assert.True(again.Hit);
        Assert.False(again.Has("direct"));
    }

    [Fact]
    public void Run_WithoutADependencyFile_LearnsTheFilesFromTheLineMarkers()
    {
        using var temp = Project();
        string[] arguments = ["-nostdinc", "-O2", "-Iearly", "-Ilate", "-c", "main.c", "-o", "main.o"];
        Assert.True(CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, arguments).Missed);
        File.Delete(temp.Combine("main.o"));

        var again = CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, arguments);
        temp.Write("late/value.h", "#define VALUE 42\n");
        var changed = CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, arguments);

        Assert.True(again.Has("direct"), again.ToString());
        Assert.False(changed.Has("direct"), changed.ToString());
        Assert.True(changed.Missed, changed.ToString());
    }

    [Theory]
    [InlineData("# 1 \"main.c\"", "main.c")]
    [InlineData("# 12 \"/src/include/a b.h\" 1 3", "/src/include/a b.h")]
    [InlineData("# 1 \"<built-in>\"", null)]
    [InlineData("# 1 \"<command-line>\"", null)]
    [InlineData("# 1 \"/home/build//\"", null)]
    [InlineData("# 3 \"dir\\\\with\\\"quote.h\" 2", "dir\\with\"quote.h")]
    public void MarkedFile_ReadsThePathOfALineMarker(string line, string? expected) =>
        Assert.Equal(expected, Farm.Cache.Compilation.DirectMode.MarkedFile(line));

    [Fact]
    public async Task Run_FreshWorkerInAnotherDirectory_TakesTheManifestFromRedisAndSkipsThePreprocessor()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var first = Project();
        using var second = Project();
        string[] arguments = ["-nostdinc", "-O2", "-g", "-Iearly", "-Ilate", "-c", "main.c", "-o", "main.o"];
        (string, string?) Redis() => ("FARM_CACHE_REDIS", redis.Endpoint);
        CompileRun.Of(TestSettings.Local(first.Combine("cache"), Redis()), first.Path, arguments);

        // Another worker: empty local disk, the same sources at another path.
        var fresh = CompileRun.Of(TestSettings.Local(second.Combine("cache"), Redis()), second.Path, arguments);
        var object1 = File.ReadAllBytes(second.Combine("main.o"));
        File.Delete(second.Combine("main.o"));
        var uncached = CompileRun.Of(TestSettings.Local(second.Combine("empty")), second.Path, arguments);

        Assert.True(fresh.Has("direct") && fresh.Has("hit redis"), fresh.ToString());
        Assert.True(uncached.Missed);
        Assert.Equal(File.ReadAllBytes(second.Combine("main.o")), object1);
    }
}

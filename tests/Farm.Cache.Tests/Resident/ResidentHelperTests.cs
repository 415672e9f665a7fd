using Farm.Cache.Compilation;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Resident;

/// <summary>
/// farm-cc-fast and the resident helper as make meets them: real processes, the C front built beside farm-cc, gcc.
/// A hit through the helper must write what farm-cc would, a miss compiled for it must be stored, and anything the
/// helper cannot answer must still compile right through farm-cc.
/// </summary>
public sealed class ResidentHelperTests : IDisposable
{
    private readonly HelperProject _setup = new();

    public void Dispose() => _setup.Dispose();

    [Fact]
    public void Run_SecondCompile_IsAnsweredByTheHelperWithWhatACompileWrites()
    {
        Assert.True(File.Exists(FastFront.Program), $"{FastFront.Program} was not built (the C front needs cc)");
        var first = _setup.StartHelper();
        Assert.Contains("unused variable", first.Stderr, StringComparison.Ordinal);
        var compiled = File.ReadAllBytes(_setup.Object);
        var dependencies = File.ReadAllText(Path.Combine(_setup.Directory, ".main.o.d"));
        File.Delete(_setup.Object);
        File.Delete(Path.Combine(_setup.Directory, ".main.o.d"));
        var before = _setup.Front.Events().Count;

        var second = _setup.Front.Run(_setup.Directory, HelperProject.Compile);

        Assert.Equal(0, second.ExitCode);
        Assert.Equal(first.Stderr, second.Stderr);
        Assert.Equal(compiled, File.ReadAllBytes(_setup.Object));
        Assert.Equal(dependencies, File.ReadAllText(Path.Combine(_setup.Directory, ".main.o.d")));
        var events = _setup.Front.Events().Skip(before).ToList();
        Assert.Contains(events, e => e.StartsWith("hit local ", StringComparison.Ordinal));
        Assert.Contains("direct", events);
        Assert.Single(_setup.Front.Helpers());
    }

    [Fact]
    public void Run_HeaderChanged_CompilesTheNewHeaderInsteadOfAnsweringFromTheHelper()
    {
        _setup.StartHelper();
        _setup.Temp.Write("project/include/value.h", "#define VALUE 42\n");

        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile).ExitCode);

        var compiled = File.ReadAllBytes(_setup.Object);
        Assert.Equal(_setup.Fresh(), compiled);
        // That miss was compiled by the front for the helper, and stored: the next compile is a hit of it.
        File.Delete(_setup.Object);
        var before = _setup.Front.Events().Count;
        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile).ExitCode);
        Assert.Contains(_setup.Front.Events().Skip(before), e => e.StartsWith("hit local ", StringComparison.Ordinal));
        Assert.Equal(compiled, File.ReadAllBytes(_setup.Object));
    }

    [Fact]
    public void Run_HeaderCreatedDeepInAnEarlierIncludeDirectory_AfterTheHelperKeptItsListing_IsCompiledNotAnsweredFromTheOldObject()
    {
        // <sys/tag.h> is found in include/; early/ comes first and has a sys/ of its own with no such header yet. The
        // source is in src/, so the tree walked for the source's own directory holds neither.
        string[] compile = ["-nostdinc", "-Iearly", "-Iinclude", "-c", "src/tag.c", "-o", "src/tag.o", "-Wp,-MD,src/.tag.o.d"];
        _setup.Temp.Write("project/include/sys/tag.h", "#define TAG \"original\"\n");
        _setup.Temp.Write("project/early/sys/README", "no headers here yet\n");
        _setup.Temp.Write("project/src/tag.c", "#include <sys/tag.h>\nconst char tag[] = TAG;\n");
        // Older than the helper's too-new window, so the helper keeps the listings it walks.
        Thread.Sleep(HeaderListingMemo.DefaultTooNew + TimeSpan.FromSeconds(1.2));
        _setup.StartHelper();
        var tagObject = Path.Combine(_setup.Directory, "src", "tag.o");
        string Compiled()
        {
            File.Delete(tagObject);
            Assert.Equal(0, _setup.Front.Run(_setup.Directory, compile).ExitCode);
            return System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(tagObject));
        }

        Compiled(); // through the helper: a miss, stored; the listings kept
        var before = _setup.Front.Events().Count;
        var hit = Compiled(); // a direct-mode hit with the kept listings
        var hitEvents = _setup.Front.Events().Skip(before).ToList();
        _setup.Temp.Write("project/early/sys/tag.h", "#define TAG \"shadowed\"\n");

        var shadowed = Compiled();

        Assert.Contains("direct", hitEvents);
        Assert.Contains("original", hit, StringComparison.Ordinal);
        Assert.Contains("shadowed", shadowed, StringComparison.Ordinal);
        Assert.DoesNotContain("original", shadowed, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PreprocessToStandardOutput_ReachesTheBuildsStandardOutput()
    {
        _setup.StartHelper();

        var run = _setup.Front.RunCommand(_setup.Directory, FastFront.Program, ["gcc", "-nostdinc", "-Iinclude", "-E", "main.c"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("return 41;", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(_setup.Front.Events(), e => e.StartsWith("uncacheable ", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CompileError_ReachesTheBuildWithTheCompilersMessageAndExitCode()
    {
        _setup.StartHelper();
        _setup.Temp.Write("project/main.c", "int broken(void) { return }\n");

        var failed = _setup.Front.Run(_setup.Directory, HelperProject.Compile);

        Assert.Equal(1, failed.ExitCode);
        // shown once, as it came from the compiler the front ran
        Assert.Single(failed.Stderr.Split('\n'), line => line.Contains("error:", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CompilerNotFound_Exit127WithOneLine()
    {
        _setup.StartHelper();

        var run = _setup.Front.RunCommand(_setup.Directory, FastFront.Program, ["farm-no-such-cc", "-c", "main.c", "-o", "main.o"]);

        Assert.Equal(127, run.ExitCode);
        Assert.Equal("farm-cc: cannot run farm-no-such-cc: No such file or directory", run.Stderr.Trim());
    }

    [Theory]
    [InlineData("FARM_CACHE_HELPER", "0")]
    [InlineData("FARM_CACHE_REDIS", "127.0.0.1:1")] // every compile is farm-cc's: a local miss must look in Redis
    public void Run_HelperOffOrRedis_StartsNoHelperAndCompiles(string name, string value)
    {
        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile, (name, value), ("FARM_CACHE_REDIS_CONNECT_MS", "200")).ExitCode);
        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile, (name, value), ("FARM_CACHE_REDIS_CONNECT_MS", "200")).ExitCode);

        Thread.Sleep(500);
        Assert.True(File.Exists(_setup.Object));
        Assert.False(Directory.Exists(_setup.Front.SocketDirectory));
        Assert.Empty(_setup.Front.Helpers());
    }

    [Fact]
    public void Run_HelperKilled_CompilesThroughFarmCcAndStartsAnother()
    {
        _setup.StartHelper();
        var killed = Assert.Single(_setup.Front.Helpers());
        using (var process = System.Diagnostics.Process.GetProcessById(killed))
        {
            process.Kill();
            process.WaitForExit();
        }

        File.Delete(_setup.Object);
        Thread.Sleep(2100); // the front starts at most one helper per two seconds per socket
        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile).ExitCode);

        Assert.True(File.Exists(_setup.Object));
        Assert.True(FastFront.Eventually(() => _setup.Front.Helpers().Any(pid => pid != killed)), "no new helper started");
    }

    [Fact]
    public void Serve_SocketRemoved_HelperExits()
    {
        _setup.StartHelper();

        Directory.Delete(_setup.Front.SocketDirectory, recursive: true);

        Assert.True(FastFront.Eventually(() => _setup.Front.Helpers().Count == 0), "the helper outlived its socket");
    }

    [Fact]
    public void Serve_Idle_HelperExits()
    {
        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile, ("FARM_CACHE_HELPER_IDLE", "1")).ExitCode);
        Assert.True(FastFront.Eventually(() => _setup.Front.Helpers().Count == 0 && Directory.GetFiles(_setup.Front.SocketDirectory, "*.sock").Length == 0), "the helper did not exit when idle");
    }
}

using System.Diagnostics;
using System.Text;
using Farm.Cache.Tests.Support;
using Farm.Tests.Shared;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// farm-cc outside the farm, as the README's "farm-cc outside the farm" describes it: a plain Makefile project built
/// out of tree (<c>make -C build -f ../Makefile CC="farm-cc gcc"</c>, sources named by absolute paths, <c>-g</c> and
/// <c>-MD</c>) from two copies of the source in different directories, with the one setting
/// <c>FARM_CACHE_BASEDIR</c> above both. The second copy must hit every compile, and what the hits write (objects with
/// their debug information, dependency files) must be byte for byte what a fresh compile in that copy writes.
/// Real make, real gcc, and farm-cc as a process (the Release build, as ./test.sh builds it).
/// </summary>
public sealed class StandaloneBaseDirectoryTests
{
    private static readonly string[] Sources = ["main", "parse", "table", "util"];

    private const string Makefile = """
        SRC := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
        OBJS := $(addsuffix .o,main parse table util)
        CFLAGS := -O2 -g -MD -I$(SRC)/include
        all: $(OBJS)
        %.o: $(SRC)/src/%.c
        	$(CC) $(CFLAGS) -c -o $@ $<
        """;

    [Fact]
    public void Make_SecondCopyUnderTheBaseDirectory_HitsEveryCompileWithObjectsOfAFreshCompile()
    {
        using var temp = new TempDirectory();
        var copyA = Project(temp, "home/one/proj");
        var copyB = Project(temp, "elsewhere/deeper/two/proj");
        var baseDirectory = temp.Path;

        var cold = Make(copyA, temp.Combine("cache"), baseDirectory);
        Assert.Equal((0, Sources.Length), (cold.Hits, cold.Misses));

        var warm = Make(copyB, temp.Combine("cache"), baseDirectory);
        Assert.True(warm.Hits >= 0.99 * Sources.Length && warm.Misses == 0, $"copy B: {warm.Hits} hits, {warm.Misses} misses");
        var hits = Outputs(copyB);

        Directory.Delete(Path.Combine(copyB, "build"), recursive: true);
        var fresh = Make(copyB, temp.Combine("empty-cache"), baseDirectory);
        Assert.Equal((0, Sources.Length), (fresh.Hits, fresh.Misses));
        var compiled = Outputs(copyB);

        foreach (var (name, bytes) in compiled)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(hits[name]), $"{name}: the hit differs from a fresh compile in copy B");
        }

        // The debug information names no path of copy A (the objects are the same bytes, so they name none of B's
        // either: paths under the base directory are relative to the build directory, where a debugger finds them).
        foreach (var name in Sources)
        {
            var info = Readelf(Path.Combine(copyB, "build", name + ".o"));
            Assert.Contains("DW_AT_comp_dir", info, StringComparison.Ordinal);
            Assert.DoesNotContain(copyA, info, StringComparison.Ordinal);
            Assert.DoesNotContain(baseDirectory, info, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Make_SecondCopyWithoutTheBaseDirectory_Misses()
    {
        // Why the setting is needed: out of tree, the sources' absolute paths are in every compile.
        using var temp = new TempDirectory();
        var copyA = Project(temp, "one/proj");
        var copyB = Project(temp, "two/proj");

        Make(copyA, temp.Combine("cache"), baseDirectory: null);
        var warm = Make(copyB, temp.Combine("cache"), baseDirectory: null);

        Assert.Equal((0, Sources.Length), (warm.Hits, warm.Misses));
    }

    [Fact]
    public void Make_ChangedHeaderInTheSecondCopy_MissesWhatIncludesIt()
    {
        // The relative paths share hits between copies, never between different contents.
        using var temp = new TempDirectory();
        var copyA = Project(temp, "one/proj");
        var copyB = Project(temp, "two/proj");
        var header = Path.Combine(copyB, "include", "table.h");
        File.WriteAllText(header, File.ReadAllText(header).Replace("TABLE_SIZE 16", "TABLE_SIZE 32", StringComparison.Ordinal));

        Make(copyA, temp.Combine("cache"), temp.Path);
        var warm = Make(copyB, temp.Combine("cache"), temp.Path);

        Assert.Equal((Sources.Length - 2, 2), (warm.Hits, warm.Misses)); // table.c and main.c include table.h
    }

    private static string Project(TempDirectory temp, string relative)
    {
        temp.Write($"{relative}/Makefile", Makefile.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        temp.Write($"{relative}/include/table.h", "#define TABLE_SIZE 16\nint table_get(int);\n");
        temp.Write($"{relative}/include/util.h", "static inline int twice(int x) { return 2 * x; }\n");
        temp.Write($"{relative}/src/main.c", "#include \"table.h\"\n#include \"util.h\"\nint main(void) { return table_get(twice(TABLE_SIZE)) & 1; }\n");
        temp.Write($"{relative}/src/parse.c", "#include \"util.h\"\nint parse(const char *s) { int n = 0; while (*s) n = twice(n) + (*s++ - '0'); return n; }\n");
        temp.Write($"{relative}/src/table.c", "#include \"table.h\"\nstatic int t[TABLE_SIZE];\nint table_get(int i) { return t[i % TABLE_SIZE]; }\n");
        temp.Write($"{relative}/src/util.c", "#include \"util.h\"\nint four(int x) { return twice(twice(x)); }\n");
        Directory.CreateDirectory(temp.Combine(relative, "build"));
        return temp.Combine(relative);
    }

    /// <summary>Every object and dependency file of the copy's build directory.</summary>
    private static Dictionary<string, byte[]> Outputs(string copy) =>
        Sources.SelectMany(name => new[] { name + ".o", name + ".d" })
            .ToDictionary(name => name, name => File.ReadAllBytes(Path.Combine(copy, "build", name)));

    private static (int Hits, int Misses) Make(string copy, string cache, string? baseDirectory)
    {
        Directory.CreateDirectory(Path.Combine(copy, "build"));
        var events = Path.Combine(copy, "build.events");
        File.Delete(events);
        var environment = new Dictionary<string, string?>
        {
            ["FARM_CACHE_DIR"] = cache,
            ["FARM_CACHE_EVENTS"] = events,
            ["FARM_CACHE_BASEDIR"] = baseDirectory,
            ["FARM_CACHE_PREFIX_MAP"] = null,
            ["FARM_CACHE_REDIS"] = null,
            ["FARM_CACHE_SOCKET"] = null,
            ["FARM_CACHE_SCOPE"] = null,
        };
        var (exitCode, output) = Run("make", Path.Combine(copy, "build"), environment, "-f", "../Makefile", $"CC={FarmCc} gcc");
        Assert.True(exitCode == 0, $"make in {copy} failed:\n{output}");
        var lines = File.Exists(events) ? File.ReadAllLines(events) : [];
        return (lines.Count(l => l.StartsWith("hit ", StringComparison.Ordinal)), lines.Count(l => l.StartsWith("miss ", StringComparison.Ordinal)));
    }

    private static string Readelf(string path)
    {
        var (exitCode, output) = Run("readelf", Path.GetDirectoryName(path)!, new Dictionary<string, string?>(), "--debug-dump=info", path);
        Assert.True(exitCode == 0, output);
        return output;
    }

    /// <summary>farm-cc as built by `dotnet build -c Release` (JIT; the NativeAOT binary writes the same bytes).</summary>
    private static string FarmCc
    {
        get
        {
            var dll = Path.Combine(ProjectReferences.RepositoryRoot(), "cache", "Farm.Cache.Cc", "bin", "Release", "net10.0", "farm-cc.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build the solution in Release first (./test.sh does)");
            return $"dotnet {dll}";
        }
    }

    private static (int ExitCode, string Output) Run(string program, string directory, Dictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} did not finish within 3 minutes");
        }

        output.Append(stdout.Result).Append(stderr.Result);
        return (process.ExitCode, output.ToString());
    }
}

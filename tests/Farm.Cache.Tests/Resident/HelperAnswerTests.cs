using Farm.Cache.Compilation;
using Farm.Cache.Resident;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Resident;

/// <summary>
/// What the helper answers for one request, in-process: a direct-mode hit written in place and counted once; a
/// depend-mode miss compiled by the runner (the front, in the build's process tree) and stored; and for a compile keyed
/// by its preprocessed text "fall back", with nothing run, written or counted (farm-cc then does the compile itself).
/// </summary>
public sealed class HelperAnswerTests
{
    /// <summary>The compiler run here, each command kept: what the front would run.</summary>
    private sealed class RecordingRunner : ICompilerRunner
    {
        public List<IReadOnlyList<string>> Commands { get; } = [];

        public (int ExitCode, string Stderr) Run(string compiler, IEnumerable<string> arguments, TextWriter stdout, TextWriter stderr, string workingDirectory)
        {
            var list = arguments.ToList();
            Commands.Add([compiler, .. list]);
            return CompilerProcess.Run(compiler, list, TextWriter.Null, TextWriter.Null, workingDirectory);
        }
    }

    private static readonly string[] Compile = ["gcc", "-nostdinc", "-Iinclude", "-c", "main.c", "-o", "main.o"];

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("include/value.h", "#define VALUE 41\n");
        temp.Write("main.c", "#include <value.h>\nint value(void) { return VALUE; }\n");
        return temp;
    }

    private static HelperRequest Request(TempDirectory temp, params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FARM_CACHE_DIR"] = temp.Combine("cache"),
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        };
        foreach (var (name, value) in more)
        {
            environment[name] = value;
        }

        return new HelperRequest(temp.Path, Compile, environment);
    }

    private static int EventCount(TempDirectory temp)
    {
        var log = temp.Combine("cache", "stats", "events.log");
        return File.Exists(log) ? File.ReadAllLines(log).Length : 0;
    }

    [Fact]
    public void Answer_EmptyCache_HasTheFrontCompileOnceAndStoresIt()
    {
        using var temp = Project();
        var runner = new RecordingRunner();

        Assert.Equal(new HelperAnswer(0, string.Empty).ToBytes(), ResidentHelper.Answer(Request(temp), runner));

        var command = Assert.Single(runner.Commands);
        Assert.Equal("gcc", command[0]);
        Assert.Contains("main.c", command);
        Assert.True(File.Exists(temp.Combine("main.o")));
        File.Delete(temp.Combine("main.o"));
        Assert.True(CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, Compile[1..]).Hit);
    }

    [Fact]
    public void Answer_PreprocessorKeyedCompile_FallsBackWithNothingRunWrittenOrCounted()
    {
        using var temp = Project();
        var runner = new RecordingRunner();

        Assert.Equal(HelperAnswer.FallBackBytes, ResidentHelper.Answer(Request(temp, ("FARM_CACHE_DEPEND", "0")), runner));

        Assert.Empty(runner.Commands);
        Assert.False(File.Exists(temp.Combine("main.o")));
        Assert.Equal(0, EventCount(temp));
    }

    [Fact]
    public void Answer_AfterACompile_WritesTheObjectAndCountsOneHit()
    {
        using var temp = Project();
        Assert.True(CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, Compile[1..]).Missed);
        var compiled = File.ReadAllBytes(temp.Combine("main.o"));
        File.Delete(temp.Combine("main.o"));
        var before = EventCount(temp);

        var runner = new RecordingRunner();
        var answer = ResidentHelper.Answer(Request(temp), runner);

        Assert.Equal(new HelperAnswer(0, string.Empty).ToBytes(), answer);
        Assert.Empty(runner.Commands);
        Assert.Equal(compiled, File.ReadAllBytes(temp.Combine("main.o")));
        var events = File.ReadAllLines(temp.Combine("cache", "stats", "events.log")).Skip(before).ToList();
        Assert.Single(events, e => e.StartsWith("hit local ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("FARM_CACHE_DIR", "cache")] // relative: the helper's own directory is not the compile's
    [InlineData("FARM_CACHE_SOCKET", "/run/broker.sock")] // the worker's sandbox: only the broker may answer
    [InlineData("FARM_CACHE_EVENTS", "events.log")]
    [InlineData("FARM_CACHE_REDIS", "127.0.0.1:1")] // a local miss looks in Redis, and is stored there: farm-cc does both
    public void Answer_SettingsTheHelperCannotHonour_FallBack(string name, string value)
    {
        using var temp = Project();
        Assert.True(CompileRun.Of(TestSettings.Local(temp.Combine("cache")), temp.Path, Compile[1..]).Missed);
        File.Delete(temp.Combine("main.o"));

        var runner = new RecordingRunner();
        Assert.Equal(HelperAnswer.FallBackBytes, ResidentHelper.Answer(Request(temp, (name, value)), runner));

        Assert.Empty(runner.Commands);
        Assert.False(File.Exists(temp.Combine("main.o")));
    }

    [Fact]
    public void Answer_Uncacheable_HasTheFrontRunTheCommandAsGiven()
    {
        using var temp = Project();
        var runner = new RecordingRunner();
        var request = Request(temp) with { Arguments = ["gcc", "-nostdinc", "-Iinclude", "-E", "main.c"] };

        Assert.Equal(new HelperAnswer(0, string.Empty).ToBytes(), ResidentHelper.Answer(request, runner));

        Assert.Equal(request.Arguments, Assert.Single(runner.Commands));
    }
}

using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// The same sources built in two directories (two workers, two checkouts): the second build hits the first one's
/// cache, and every hit is byte for byte what a fresh compile in the second directory writes. Each test builds
/// <see cref="SampleProject"/> three times: in A (cold, filling A's cache), in B with an empty cache (the reference),
/// and in B again with A's cache.
/// </summary>
public sealed class CrossDirectoryTests
{
    [Fact]
    public void Run_SameSourcesInAnotherDirectory_HitsEveryObjectExceptThePathInAStringLiteral()
    {
        using var temp = new TempDirectory();
        var builds = Builds.Run(temp, "worker-a/checkout", "b");

        Assert.All(builds.Cold.Values, run => Assert.True(run.Missed, run.ToString()));
        foreach (var (name, run) in builds.Warm)
        {
            if (name == SampleProject.PathInStringLiteral)
            {
                Assert.True(run.Missed, $"{name} must miss: its object embeds the build directory. {run}");
            }
            else
            {
                Assert.True(run.Has("hit local"), $"{name} must hit A's cache. {run}");
            }
        }
    }

    [Fact]
    public void Run_SameSourcesInAnotherDirectory_HitObjectsAreByteIdenticalToAFreshCompile()
    {
        using var temp = new TempDirectory();
        var builds = Builds.Run(temp, "worker-a/checkout", "b");

        foreach (var compile in builds.B.Compiles)
        {
            Assert.Equal(builds.FreshObjects[compile.Name], builds.WarmObjects[compile.Name]);
        }
    }

    [Fact]
    public void Run_PathInStringLiteral_ObjectsDifferBetweenDirectories()
    {
        // Why where.c must miss: its object is not the same in A and B, so a hit would hand B A's path.
        using var temp = new TempDirectory();
        var builds = Builds.Run(temp, "worker-a/checkout", "b");

        Assert.NotEqual(builds.ColdObjects[SampleProject.PathInStringLiteral], builds.FreshObjects[SampleProject.PathInStringLiteral]);
        Assert.Equal(builds.FreshObjects[SampleProject.PathInStringLiteral], builds.WarmObjects[SampleProject.PathInStringLiteral]);
    }

    [Theory]
    [InlineData("worker-b")] // as long as worker-a: gcc wraps the dependency list at the same places
    [InlineData("a-much-longer-directory-for-worker-b")]
    public void Run_SameSourcesInAnotherDirectory_HitDependencyFilesAreByteIdenticalToAFreshCompile(string directoryB)
    {
        using var temp = new TempDirectory();
        var builds = Builds.Run(temp, "worker-a", directoryB);

        foreach (var compile in builds.B.Compiles)
        {
            Assert.Equal(builds.FreshDependencies[compile.Name], builds.WarmDependencies[compile.Name]);
        }
    }

    /// <summary>The three builds and what each wrote.</summary>
    private sealed record Builds(
        SampleProject A,
        SampleProject B,
        IReadOnlyDictionary<string, CompileRun> Cold,
        IReadOnlyDictionary<string, CompileRun> Warm,
        IReadOnlyDictionary<string, byte[]> ColdObjects,
        IReadOnlyDictionary<string, byte[]> FreshObjects,
        IReadOnlyDictionary<string, byte[]> WarmObjects,
        IReadOnlyDictionary<string, string?> FreshDependencies,
        IReadOnlyDictionary<string, string?> WarmDependencies)
    {
        public static Builds Run(TempDirectory temp, string directoryA, string directoryB)
        {
            var a = new SampleProject(temp.Combine(directoryA));
            var b = a.CopyTo(temp.Combine(directoryB));
            var cacheA = temp.CreateDirectory("cache-a");

            var cold = BuildAll(a, cacheA);
            var coldObjects = Objects(a);

            BuildAll(b, temp.CreateDirectory("cache-empty"));
            var freshObjects = Objects(b);
            var freshDependencies = Dependencies(b);
            b.Clean();

            var warm = BuildAll(b, cacheA);
            return new Builds(a, b, cold, warm, coldObjects, freshObjects, Objects(b), freshDependencies, Dependencies(b));
        }

        private static Dictionary<string, CompileRun> BuildAll(SampleProject project, string cacheDirectory)
        {
            var settings = TestSettings.Local(cacheDirectory, ("FARM_CACHE_PREFIX_MAP", project.PrefixMap));
            var runs = new Dictionary<string, CompileRun>(StringComparer.Ordinal);
            foreach (var compile in project.Compiles)
            {
                var run = CompileRun.Of(CompileRun.Gcc, settings, project.Build, compile.Arguments);
                Assert.True(run.ExitCode == 0, $"{compile.Name} in {project.Root}: {run}");
                runs[compile.Name] = run;
            }

            return runs;
        }

        private static Dictionary<string, byte[]> Objects(SampleProject project) =>
            project.Compiles.ToDictionary(c => c.Name, c => File.ReadAllBytes(project.InBuild(c.Output)), StringComparer.Ordinal);

        private static Dictionary<string, string?> Dependencies(SampleProject project) =>
            project.Compiles.ToDictionary(
                c => c.Name,
                c => c.DependencyFile is { } file && File.Exists(project.InBuild(file)) ? File.ReadAllText(project.InBuild(file)) : null,
                StringComparer.Ordinal);
    }
}

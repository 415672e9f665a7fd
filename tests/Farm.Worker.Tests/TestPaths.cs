namespace Farm.Worker.Tests;

/// <summary>The repository, its example catalog and fixture core, and the fault apps beside these tests.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Examples => Path.Combine(RepositoryRoot, "examples");

    public static string FixtureCore => Path.Combine(Examples, "fixture-core");

    public static string FaultApps => Path.Combine(RepositoryRoot, "tests", "Farm.Worker.Tests", "Apps");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Farm.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Farm.sln not found above " + AppContext.BaseDirectory);
    }
}

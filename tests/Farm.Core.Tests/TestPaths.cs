namespace Farm.Core.Tests;

/// <summary>Locates the repository and the read-only test data in <c>../shared</c> beside it.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string SharedKraftfiles => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "kraftfiles"));

    public static string Examples => Path.Combine(RepositoryRoot, "examples");

    /// <summary>The shared corpus, or a skip: it sits beside the clone in CI and in every session, not in the repository.</summary>
    public static string RequireSharedKraftfiles()
    {
        if (!Directory.Exists(SharedKraftfiles))
        {
            Assert.Skip($"the shared Kraftfile corpus is not at {SharedKraftfiles} (it lives beside the repository, not in it)");
        }

        return SharedKraftfiles;
    }

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

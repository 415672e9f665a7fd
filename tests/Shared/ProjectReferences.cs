using System.Xml.Linq;

namespace Farm.Tests.Shared;

/// <summary>Reads the project references of a csproj, so tests can hold the dependency direction of DESIGN.md.</summary>
internal static class ProjectReferences
{
    public static string RepositoryRoot()
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

    /// <summary>The project names (file names without .csproj) that <paramref name="relativeProject"/> references directly.</summary>
    public static IReadOnlyList<string> Of(string relativeProject)
    {
        var path = Path.Combine(RepositoryRoot(), relativeProject);
        return XDocument.Load(path).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}

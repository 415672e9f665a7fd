namespace Farm.Tests.Cli;

/// <summary>A temporary directory of app folders, each with a Kraftfile; deleted on dispose.</summary>
internal sealed class TempApps : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("farm-cli-");

    public string Add(string app, string kraftfile, string fileName = "Kraftfile")
    {
        var dir = Path.Combine(_root.FullName, app);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, fileName), kraftfile);
        return dir;
    }

    public string PathOf(string relative) => Path.Combine(_root.FullName, relative);

    public void Dispose() => _root.Delete(recursive: true);
}

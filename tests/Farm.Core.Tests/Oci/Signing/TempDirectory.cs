namespace Farm.Core.Tests.Oci.Signing;

/// <summary>A temporary directory for key files; deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("farm-keys-");

    public string PathOf(string name) => Path.Combine(_root.FullName, name);

    public string Write(string name, string content)
    {
        var path = PathOf(name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => _root.Delete(recursive: true);
}

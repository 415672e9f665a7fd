namespace Farm.Core.Kraftfiles;

public static class KraftfileFileNames
{
    /// <summary>The names kraft looks for in a directory, in its order of preference.</summary>
    public static IReadOnlyList<string> InLookupOrder { get; } = ["kraft.yaml", "kraft.yml", "Kraftfile.yml", "Kraftfile.yaml", "Kraftfile"];
}

namespace Farm.Core.Kraftfiles;

/// <summary>Finds the Kraftfile a user means: the file itself, or the first of kraft's file names in a directory.</summary>
public static class KraftfileLocator
{
    public static (string? File, string? Error) Locate(string path)
    {
        if (File.Exists(path))
        {
            return (path, null);
        }

        if (!Directory.Exists(path))
        {
            return (null, "no such file or directory");
        }

        foreach (var name in KraftfileFileNames.InLookupOrder)
        {
            var candidate = Path.Combine(path, name);
            if (File.Exists(candidate))
            {
                return (candidate, null);
            }
        }

        return (null, $"no Kraftfile in this directory; looked for {string.Join(", ", KraftfileFileNames.InLookupOrder)}");
    }
}

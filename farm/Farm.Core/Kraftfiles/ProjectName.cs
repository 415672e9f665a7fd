using System.Text;

namespace Farm.Core.Kraftfiles;

/// <summary>kraft's project-name normalisation: lowercase, drop every character outside [a-z0-9_-], trim leading '_' and '-'.</summary>
public static class ProjectName
{
    public static string Normalize(string name)
    {
        var kept = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-')
            {
                kept.Append(c);
            }
        }

        return kept.ToString().TrimStart('_', '-');
    }
}

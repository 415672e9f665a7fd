namespace Farm.Core.Yaml;

/// <summary>A 1-based position in a text file.</summary>
public readonly record struct Mark(int Line, int Column)
{
    public static readonly Mark FileStart = new(1, 1);

    public override string ToString() => $"{Line}:{Column}";
}

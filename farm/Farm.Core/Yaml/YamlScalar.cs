namespace Farm.Core.Yaml;

/// <summary>A scalar with its YAML 1.1 meaning resolved: quoted scalars are always strings.</summary>
public sealed class YamlScalar : YamlNode
{
    public YamlScalar(Mark start, string text, ScalarKind kind, string? tag, bool isPlain)
        : base(start)
    {
        Text = text;
        Kind = kind;
        Tag = tag;
        IsPlain = isPlain;
    }

    /// <summary>The scalar as written (quotes removed, escapes applied).</summary>
    public string Text { get; }

    public ScalarKind Kind { get; }

    public string? Tag { get; }

    public bool IsPlain { get; }

    public bool IsNull => Kind == ScalarKind.Null;

    public override string KindName => Kind switch
    {
        ScalarKind.Null => "null",
        ScalarKind.Boolean => $"the boolean '{Text}'",
        ScalarKind.WholeNumber or ScalarKind.RealNumber => $"the number '{Text}'",
        _ => $"the string '{Text}'",
    };
}

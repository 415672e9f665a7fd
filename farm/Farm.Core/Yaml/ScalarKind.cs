namespace Farm.Core.Yaml;

/// <summary>What a scalar means under YAML 1.1: quoted scalars are always <see cref="Text"/>.</summary>
public enum ScalarKind
{
    Text,
    Null,
    Boolean,
    WholeNumber,
    RealNumber,
}

namespace Farm.Core.Yaml;

/// <summary>The first document of a YAML stream (null when it is empty), or the located reason it could not be read.</summary>
public sealed record YamlReadResult(YamlNode? Root, YamlProblem? Error, Mark? SecondDocument);

public sealed record YamlProblem(Mark At, string Message);

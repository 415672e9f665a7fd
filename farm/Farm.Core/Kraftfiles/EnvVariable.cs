using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

public sealed record EnvVariable(string Name, string Value, Mark At)
{
    public override string ToString() => $"{Name}={Value}";
}

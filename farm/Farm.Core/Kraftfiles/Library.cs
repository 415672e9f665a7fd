namespace Farm.Core.Kraftfiles;

public sealed record Library(string Name, Component Component);

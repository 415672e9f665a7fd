namespace Farm.Core.Kraftfiles;

/// <summary>A run-time volume; kept for completeness, the farm does not mount volumes when smoke-testing.</summary>
public sealed record Volume(string Source, string? Destination, string? Driver, bool ReadOnly);

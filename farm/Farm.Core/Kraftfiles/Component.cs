using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// A source component (the Unikraft core, a library, a template): where it comes from and which version.
/// A short string sets <see cref="Source"/> when it is a local directory or a URL, else <see cref="Version"/>.
/// </summary>
public sealed record Component(string? Source, string? Version, KConfig KConfig, Mark At)
{
    /// <summary>Templates only: the template's name.</summary>
    public string? Name { get; init; }
}

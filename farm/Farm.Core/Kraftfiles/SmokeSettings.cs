using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// <c>x-farm: {smoke: {expect: REGEX, timeout: 30s, exit: 0}}</c>: what a boot must print, how long it may take,
/// and the exit status it must end with. Absent fields fall back to the farm's defaults.
/// </summary>
public sealed record SmokeSettings(string? Expect, TimeSpan? Timeout, int? Exit, Mark At)
{
    public static readonly SmokeSettings None = new(null, null, null, Mark.FileStart);
}

using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// <c>x-farm: {smoke: {expect: REGEX, timeout: 30s, exit: 0, http: {port: 8080, expect: REGEX}}}</c>: what a boot
/// must print, how long it may take, the exit status it must end with, and for a server the answer it must give over
/// HTTP. Absent fields fall back to the farm's defaults.
/// </summary>
public sealed record SmokeSettings(string? Expect, TimeSpan? Timeout, int? Exit, Mark At)
{
    public static readonly SmokeSettings None = new(null, null, null, Mark.FileStart);

    /// <summary>Ask the running kernel over HTTP: <c>GET /</c> on the guest's <c>port</c>, the answer matching <c>expect</c>.</summary>
    public HttpSmoke? Http { get; init; }
}

/// <summary><c>x-farm.smoke.http</c>: the guest's TCP port and a regex its answer (status line, headers, body) must match.</summary>
public sealed record HttpSmoke(int Port, string Expect);

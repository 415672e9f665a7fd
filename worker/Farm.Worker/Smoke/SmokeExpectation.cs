using System.Text.RegularExpressions;
using Farm.Core.Kraftfiles;

namespace Farm.Worker.Smoke;

/// <summary>
/// What a passing boot looks like. Without <c>x-farm.smoke</c>: the Unikraft banner within 30 s and no crash; a
/// kernel that keeps running (a server) passes when the time is up, one that exits must exit with status 0.
/// </summary>
internal sealed record SmokeExpectation(Regex Expect, TimeSpan Timeout, int? Exit)
{
    /// <summary>For a server: the guest port to ask over HTTP and what the answer must match (<c>x-farm.smoke.http</c>).</summary>
    public HttpProbe? Http { get; init; }

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The banner every Unikraft kernel prints first ("Powered by" above the ASCII-art logo).</summary>
    public static readonly Regex Banner = new("Powered by", RegexOptions.None, TimeSpan.FromSeconds(1));

    public static SmokeExpectation From(SmokeSettings settings) => new(
        settings.Expect is { } pattern ? new Regex(pattern, RegexOptions.Multiline, TimeSpan.FromSeconds(1)) : Banner,
        settings.Timeout ?? DefaultTimeout,
        settings.Exit)
    {
        Http = settings.Http is { } http ? new HttpProbe(http.Port, new Regex(http.Expect, RegexOptions.Multiline, TimeSpan.FromSeconds(1))) : null,
    };

    public string Describe() => $"/{Expect}/";
}

using System.Globalization;

namespace Farm.Worker.Builders;

/// <summary>
/// The build date baked into a kernel (Unikraft's <c>HOSTUTC</c>). It is fixed, never "now": from
/// <c>SOURCE_DATE_EPOCH</c> when set (the reproducible-builds convention), else the Unix epoch.
/// </summary>
internal static class BuildClock
{
    public static string DefaultHostUtc { get; } = FromEpoch(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"));

    public static string FromEpoch(string? sourceDateEpoch)
    {
        var seconds = long.TryParse(sourceDateEpoch, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        return DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);
    }
}

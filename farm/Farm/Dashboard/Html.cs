using System.Globalization;
using System.Net;
using System.Text;
using Farm.Configuration;
using Farm.Core.Builds;
using Farm.Http;

namespace Farm.Dashboard;

/// <summary>The dashboard's page frame and the small pieces every page uses; all text from the store is encoded here.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>A query string value, encoded for a URL.</summary>
    public static string U(string? text) => Uri.EscapeDataString(text ?? string.Empty);

    public static string N(double? value, string format = "0.0") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Bytes(long? bytes) => bytes switch
    {
        null => "–",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{(bytes / 1024.0)!.Value.ToString("0.0", CultureInfo.InvariantCulture)} KiB",
        _ => $"{(bytes / 1048576.0)!.Value.ToString("0.0", CultureInfo.InvariantCulture)} MiB",
    };

    public static string Duration(TimeSpan? span) => span switch
    {
        null => "–",
        { TotalSeconds: < 60 } s => $"{s.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s",
        { TotalMinutes: < 60 } s => $"{(int)s.TotalMinutes} min {s.Seconds} s",
        var s => $"{(int)s.Value.TotalHours} h {s.Value.Minutes} min",
    };

    public static string Time(DateTimeOffset? time) => time is { } t ? $"<time datetime=\"{t.UtcDateTime:O}\">{t.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z</time>" : "–";

    /// <summary>A state as a coloured word (CSS class per state).</summary>
    public static string State(string state) => $"<span class=\"state s-{E(state)}\">{E(state)}</span>";

    /// <summary>One coloured dot per target, titled with its kernel and state.</summary>
    public static string Dots(IEnumerable<TargetRecord> targets) =>
        string.Concat(targets.Select(t => $"<span class=\"dot s-{t.State.Name()}{(t.Cached ? " cached" : string.Empty)}\" title=\"{E(t.Name)}: {t.State.Name()}\"></span>"));

    public static string CsrfField(string token) => $"<input type=\"hidden\" name=\"{DashboardSession.FormField}\" value=\"{E(token)}\">";

    /// <summary>The page frame: navigation, the theme switch (remembered in a cookie, so it works without scripts), sign-in state.</summary>
    public static string Page(PageContext page, string title, string body)
    {
        ArgumentNullException.ThrowIfNull(page);
        var html = new StringBuilder(body.Length + 2048);
        var theme = page.Theme is "dark" or "light" ? $" data-theme=\"{page.Theme}\"" : string.Empty;
        var next = page.Theme switch { "dark" => "light", "light" => "system", _ => "dark" };
        html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"en\"{theme}><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>{E(title)} · unikernel farm</title><link rel=\"stylesheet\" href=\"/dashboard.css\"><script src=\"/dashboard.js\" defer></script></head><body>");
        html.Append("<header><a class=\"brand\" href=\"/\">unikernel farm</a><nav>");
        foreach (var (href, label) in new[] { ("/", "Builds"), ("/catalog", "Catalog"), ("/workers", "Workers"), ("/cache", "Cache") })
        {
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"{href}\"{(page.Section == label ? " aria-current=\"page\"" : string.Empty)}>{label}</a>");
        }

        if (page.Caller?.May(FarmRole.Operator) == true)
        {
            html.Append("<a href=\"/hangfire\">Hangfire</a>");
        }

        html.Append(CultureInfo.InvariantCulture, $"</nav><span class=\"spacer\"></span><a id=\"theme\" class=\"theme\" href=\"/theme?set={next}&amp;return={U(page.Path)}\" title=\"theme: {page.Theme ?? "system"} (click for {next})\">{(page.Theme ?? "system")} theme</a>");
        html.Append(page.Caller is { } caller
            ? $"<span class=\"who\">{ApiToken.Name(caller.Role)}</span>{(caller.ViaCookie ? $"<form method=\"post\" action=\"/logout\" class=\"inline\">{CsrfField(page.Csrf)}<button>Sign out</button></form>" : string.Empty)}"
            : $"<a href=\"/login?return={U(page.Path)}\">Sign in</a>");
        html.Append("</header><main>").Append(body).Append("</main></body></html>");
        return html.ToString();
    }
}

/// <summary>What the frame needs to know about the request: who asks, the theme they chose, where they are.</summary>
internal sealed record PageContext(FarmCaller? Caller, string Csrf, string? Theme, string Path, string Section);

using System.Globalization;
using System.Text.RegularExpressions;
using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>Reads <c>x-farm</c>; its <c>smoke</c> map is checked here so a bad regex or duration fails at check time.</summary>
internal static class FarmSettingsReader
{
    private static readonly string[] Keys = ["smoke", "publish"];
    private static readonly string[] SmokeKeys = ["expect", "timeout", "exit", "http"];
    private static readonly string[] HttpKeys = ["port", "expect"];
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    public static FarmSettings Read(ReadContext context, YamlNode node)
    {
        if (node is YamlScalar { IsNull: true } || context.Map(node, "x-farm", "a map of farm settings") is not { } map)
        {
            return FarmSettings.Default;
        }

        var entries = context.Entries(map, "x-farm");
        context.WarnUnknownKeys(entries, "x-farm", Keys, "x-farm");
        var smoke = entries.FirstOrDefault(e => e.Name == "smoke") is { } s ? ReadSmoke(context, s.Value) : SmokeSettings.None;
        var partial = entries.FirstOrDefault(e => e.Name == "publish") is { } p && ReadPublish(context, p.Value);
        return new FarmSettings(entries.ToDictionary(e => e.Name, e => e.Value), IsPresent: true) { Smoke = smoke, PublishPartial = partial };
    }

    /// <summary><c>publish: all</c> (the default: one failed target publishes nothing) or <c>publish: partial</c>.</summary>
    private static bool ReadPublish(ReadContext context, YamlNode node)
    {
        const string Field = "x-farm.publish";
        var text = context.Text(node, Field, "all or partial");
        if (text is null or "all")
        {
            return false;
        }

        if (text == "partial")
        {
            return true;
        }

        context.Error(node, Field, $"'{text}' is not a publishing mode: use all (publish only when every target passed) or partial (publish the targets that passed)");
        return false;
    }

    private static SmokeSettings ReadSmoke(ReadContext context, YamlNode node)
    {
        const string Field = "x-farm.smoke";
        if (node is YamlScalar { IsNull: true } || context.Map(node, Field, "a map with expect, timeout and exit") is not { } map)
        {
            return SmokeSettings.None;
        }

        var entries = context.Entries(map, Field);
        context.WarnUnknownKeys(entries, Field, SmokeKeys, "x-farm.smoke");
        string? expect = null;
        TimeSpan? timeout = null;
        int? exit = null;
        HttpSmoke? http = null;
        foreach (var entry in entries)
        {
            var path = ReadContext.Child(Field, entry.Name);
            switch (entry.Name)
            {
                case "expect":
                    expect = ReadRegex(context, entry.Value, path);
                    break;
                case "timeout":
                    timeout = ReadDuration(context, entry.Value, path);
                    break;
                case "exit":
                    exit = ReadExit(context, entry.Value, path);
                    break;
                case "http":
                    http = ReadHttp(context, entry.Value, path);
                    break;
            }
        }

        return new SmokeSettings(expect, timeout, exit, map.Start) { Http = http };
    }

    /// <summary><c>http: {port: 8080, expect: "Bye, World"}</c>: both required.</summary>
    private static HttpSmoke? ReadHttp(ReadContext context, YamlNode node, string field)
    {
        if (context.Map(node, field, "a map with port and expect") is not { } map)
        {
            return null;
        }

        var entries = context.Entries(map, field);
        context.WarnUnknownKeys(entries, field, HttpKeys, field);
        int? port = null;
        string? expect = null;
        foreach (var entry in entries)
        {
            var path = ReadContext.Child(field, entry.Name);
            if (entry.Name == "port")
            {
                if (entry.Value is YamlScalar { Kind: ScalarKind.WholeNumber } scalar
                    && int.TryParse(scalar.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535)
                {
                    port = number;
                }
                else
                {
                    context.Error(entry.Value, path, $"expected the guest's TCP port, 1 to 65535, found {(entry.Value is YamlScalar s ? $"'{s.Text}'" : entry.Value.KindName)}");
                }
            }
            else if (entry.Name == "expect")
            {
                expect = ReadRegex(context, entry.Value, path);
            }
        }

        if (port is null && !entries.Any(e => e.Name == "port"))
        {
            context.Error(node, field, "port is required: the guest's TCP port the farm asks over HTTP");
        }

        if (expect is null && !entries.Any(e => e.Name == "expect"))
        {
            context.Error(node, field, "expect is required: a regular expression the HTTP answer must match");
        }

        return port is { } p && expect is { } e ? new HttpSmoke(p, e) : null;
    }

    private static string? ReadRegex(ReadContext context, YamlNode node, string path)
    {
        if (context.Text(node, path, "a regular expression the console must match") is not { } text)
        {
            return null;
        }

        try
        {
            _ = new Regex(text, RegexOptions.None, TimeSpan.FromSeconds(1));
            return text;
        }
        catch (ArgumentException ex)
        {
            context.Error(node, path, $"not a valid regular expression: {ex.Message}");
            return null;
        }
    }

    /// <summary>A duration such as <c>30s</c>, <c>2m</c>, <c>1500ms</c> or a bare number of seconds.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        var trimmed = text.Trim();
        (string number, double scale) = trimmed switch
        {
            _ when trimmed.EndsWith("ms", StringComparison.Ordinal) => (trimmed[..^2], 0.001),
            _ when trimmed.EndsWith('s') => (trimmed[..^1], 1.0),
            _ when trimmed.EndsWith('m') => (trimmed[..^1], 60.0),
            _ when trimmed.EndsWith('h') => (trimmed[..^1], 3600.0),
            _ => (trimmed, 1.0),
        };
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * scale)
            : null;
    }

    private static TimeSpan? ReadDuration(ReadContext context, YamlNode node, string path)
    {
        if (context.Text(node, path, "a duration such as 30s or 2m") is not { } text)
        {
            return null;
        }

        if (ParseDuration(text) is not { } duration)
        {
            context.Error(node, path, $"'{text}' is not a duration; write e.g. 30s, 2m or 1500ms");
            return null;
        }

        if (duration > MaxTimeout)
        {
            context.Error(node, path, $"'{text}' is longer than the 1h a smoke test may take");
            return null;
        }

        return duration;
    }

    private static int? ReadExit(ReadContext context, YamlNode node, string path)
    {
        if (node is YamlScalar { Kind: ScalarKind.WholeNumber } scalar
            && int.TryParse(scalar.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code <= 255)
        {
            return code;
        }

        context.Error(node, path, $"expected an exit status from 0 to 255, found {(node is YamlScalar s ? $"'{s.Text}'" : node.KindName)}");
        return null;
    }
}

using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Farm.State.Settings;

/// <summary>
/// Binds options classes from configuration (environment variables: <c>Farm__Worker__Parallel</c> is the key
/// <c>Farm:Worker:Parallel</c>) the way the options pattern does, after checking every value it will bind: a value
/// of the wrong type, outside its <see cref="RangeAttribute"/>, or refused by the options' own
/// <see cref="ISettingsCheck"/> becomes one problem naming the variable it came from. Collects the problems of every
/// class a process binds, so one start-up reports them all.
/// </summary>
public sealed class SettingsReader
{
    private readonly IConfiguration _configuration;
    private readonly List<string> _problems = [];

    public SettingsReader(IConfiguration configuration) => _configuration = configuration;

    /// <summary>This process's environment.</summary>
    public static SettingsReader FromEnvironment() => new(new ConfigurationBuilder().AddEnvironmentVariables().Build());

    /// <summary>Variables as a process would see them (<c>Farm__Worker__Parallel</c> → <c>4</c>), for tests and for passing settings on.</summary>
    public static SettingsReader FromVariables(IEnumerable<KeyValuePair<string, string>> variables) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(variables.Select(v => KeyValuePair.Create(SettingDescription.ToKey(v.Key), (string?)v.Value))).Build());

    public IConfiguration Configuration => _configuration;

    /// <summary>Every problem found so far, each naming its variable.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Throws the problems found so far, if any.</summary>
    public void ThrowIfInvalid()
    {
        if (_problems.Count > 0)
        {
            throw new SettingsException([.. _problems]);
        }
    }

    /// <summary>Binds <typeparamref name="T"/> from <paramref name="section"/>; with a problem, the problem is recorded and the defaults returned.</summary>
    public T Bind<T>(string section)
        where T : class, new()
    {
        var effective = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var readFrom = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var before = _problems.Count;
        foreach (var setting in SettingDescription.Of(typeof(T), section))
        {
            var (variable, text) = Read(setting);
            if (setting.IsList)
            {
                // An empty item ends the list, as the variables Farm__Sources__Allow__0..N always have.
                var items = _configuration.GetSection(SettingDescription.ToKey(variable)).GetChildren()
                    .Where(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    .OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture))
                    .TakeWhile(c => c.Value is { Length: > 0 });
                var index = 0;
                foreach (var item in items)
                {
                    var itemVariable = $"{variable}__{item.Key}";
                    if (Normalize(setting, setting.Type.GetGenericArguments()[0], itemVariable, item.Value!) is { } normalized)
                    {
                        effective[$"{section}:{setting.BindKey}:{index++}"] = normalized;
                    }
                }

                readFrom[setting.BindKey] = variable;
                continue;
            }

            readFrom[setting.BindKey] = variable;
            if (text is { Length: > 0 } && Normalize(setting, setting.Type, variable, text) is { } value)
            {
                effective[$"{section}:{setting.BindKey}"] = value;
            }
        }

        if (_problems.Count > before)
        {
            return new T();
        }

        var bound = new ConfigurationBuilder().AddInMemoryCollection(effective).Build().GetSection(section).Get<T>() ?? new T();
        if (bound is ISettingsCheck check)
        {
            foreach (var (key, problem) in check.Problems())
            {
                var variable = readFrom.GetValueOrDefault(key) ?? SettingDescription.ToVariable($"{section}:{key}");
                _problems.Add($"{variable}: {problem}");
            }

            if (_problems.Count > before)
            {
                return new T();
            }
        }

        return bound;
    }

    /// <summary>The variable a setting's value comes from (its own, else the first alias set) and that value.</summary>
    private (string Variable, string? Text) Read(SettingDescription setting)
    {
        if (setting.IsList || _configuration[SettingDescription.ToKey(setting.Variable)] is { Length: > 0 })
        {
            return (setting.Variable, setting.IsList ? null : _configuration[SettingDescription.ToKey(setting.Variable)]);
        }

        foreach (var alias in setting.Aliases)
        {
            if (_configuration[SettingDescription.ToKey(alias)] is { Length: > 0 } value)
            {
                return (alias, value);
            }
        }

        return (setting.Variable, null);
    }

    /// <summary>The value in the invariant form the binder reads, or null after recording why it cannot be bound.</summary>
    private string? Normalize(SettingDescription setting, Type type, string variable, string text)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var trimmed = text.Trim();
        string? problem = null;
        string? normalized = null;
        double? number = null;
        if (type == typeof(string))
        {
            normalized = text;
        }
        else if (type == typeof(bool))
        {
            normalized = trimmed.ToLowerInvariant() switch
            {
                "true" or "1" => "true",
                "false" or "0" => "false",
                _ => null,
            };
            problem = normalized is null ? "is not true or false (or 1 or 0)" : null;
        }
        else if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(n => n.ToLowerInvariant());
            // Enum.TryParse takes numbers too ("7"): only the names count.
            normalized = names.FirstOrDefault(n => n.Equals(trimmed, StringComparison.OrdinalIgnoreCase)) is { } name ? Enum.Parse(type, name, ignoreCase: true).ToString() : null;
            problem = normalized is null ? $"is not one of {string.Join(", ", names)}" : null;
        }
        else if (type == typeof(int) || type == typeof(long))
        {
            var max = type == typeof(int) ? int.MaxValue : long.MaxValue;
            var min = type == typeof(int) ? int.MinValue : long.MinValue;
            if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) && whole >= min && whole <= max)
            {
                normalized = whole.ToString(CultureInfo.InvariantCulture);
                number = whole;
            }
            else
            {
                problem = "is not a whole number";
            }
        }
        else if (type == typeof(double))
        {
            if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            {
                normalized = real.ToString("R", CultureInfo.InvariantCulture);
                number = real;
            }
            else
            {
                problem = "is not a number";
            }
        }
        else
        {
            problem = $"cannot be read as {type.Name}";
        }

        if (problem is null && number is { } n && setting.Property.GetCustomAttributes(typeof(RangeAttribute), inherit: true).FirstOrDefault() is RangeAttribute range)
        {
            var low = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
            var high = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
            if (n < low || n > high)
            {
                problem = high >= long.MaxValue / 2.0 || high >= int.MaxValue ? $"is below {range.Minimum}" : $"is not between {range.Minimum} and {range.Maximum}";
            }
        }

        if (problem is not null)
        {
            _problems.Add($"{variable}: '{text}' {problem}");
            return null;
        }

        return normalized;
    }
}

using System.Reflection;

namespace Farm.State.Settings;

/// <summary>
/// One setting of an options class: the variable it is read from (<c>Farm__Worker__Parallel</c>), the older names
/// read when that one is unset, and the property it binds to. What the binder walks and the settings page lists.
/// </summary>
/// <param name="ReadKey">The configuration key read, relative to the section (the section's own value: empty).</param>
/// <param name="BindKey">The key the binder binds the property from, relative to the section.</param>
public sealed record SettingDescription(string Section, string ReadKey, string BindKey, PropertyInfo Property, IReadOnlyList<string> Aliases)
{
    /// <summary>The environment variable: the key with <c>__</c> for <c>:</c>; a list's items are <c>VARIABLE__0</c>, <c>__1</c>, ...</summary>
    public string Variable => ToVariable(ReadKey.Length == 0 ? Section : $"{Section}:{ReadKey}");

    public Type Type => Property.PropertyType;

    public bool IsList => Type != typeof(string) && Type.IsGenericType && Type.GetGenericTypeDefinition() == typeof(List<>);

    public static string ToVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    public static string ToKey(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Every setting of <paramref name="type"/> bound under <paramref name="section"/>, nested classes included.</summary>
    public static IReadOnlyList<SettingDescription> Of(Type type, string section)
    {
        ArgumentNullException.ThrowIfNull(type);
        var settings = new List<SettingDescription>();
        Walk(type, section, string.Empty, settings);
        return settings;
    }

    private static void Walk(Type type, string section, string prefix, List<SettingDescription> settings)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = property.GetCustomAttribute<Microsoft.Extensions.Configuration.ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            var key = prefix.Length == 0 ? name : $"{prefix}:{name}";
            var aliases = property.GetCustomAttribute<AlsoReadFromAttribute>()?.Variables ?? [];
            if (IsLeaf(property.PropertyType))
            {
                var readKey = property.GetCustomAttribute<SectionValueAttribute>() is null ? key : prefix;
                settings.Add(new SettingDescription(section, readKey, key, property, aliases));
            }
            else if (property.PropertyType.IsClass && !typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                // Lists of objects (OIDC rules) are bound by their own options and listed by hand.
                Walk(property.PropertyType, section, key, settings);
            }
        }
    }

    private static bool IsLeaf(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return IsLeaf(type.GetGenericArguments()[0]);
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(double) || type == typeof(decimal);
    }
}

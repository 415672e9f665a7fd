namespace Farm.State.Settings;

/// <summary>
/// Older or contract names a setting is also read from, in order, when its own variable is unset: the
/// <c>FARM_CACHE_*</c> variables farm-cc reads, kept working for every deployment that sets them.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class AlsoReadFromAttribute(params string[] variables) : Attribute
{
    public IReadOnlyList<string> Variables { get; } = variables;
}

/// <summary>
/// The setting is the value of its section itself (<c>Farm__Worker__Sandbox=off</c>), which also has children
/// (<c>Farm__Worker__Sandbox__MemoryMegabytes</c>): the binder alone would ignore that value.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class SectionValueAttribute : Attribute
{
}

/// <summary>Options that check themselves beyond types and ranges (a URL's form, one setting against another).</summary>
public interface ISettingsCheck
{
    /// <summary>Each problem as the setting's key relative to the options' section (<c>MetricsUrl</c>, <c>Sandbox:Processes</c>) and what is wrong.</summary>
    IEnumerable<(string Key, string Problem)> Problems();
}

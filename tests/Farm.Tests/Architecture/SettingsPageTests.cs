using Farm.Configuration;
using Farm.GitHub.Checks;
using Farm.GitHub.Oidc;
using Farm.State.Settings;
using Farm.Tests.Shared;
using Farm.Worker.Settings;

namespace Farm.Tests.Architecture;

/// <summary>docs/settings.md lists every setting: each one an options class binds, and each older name it is also read from.</summary>
public sealed class SettingsPageTests
{
    public static TheoryData<string> Variables()
    {
        var classes = new (Type Type, string Section)[]
        {
            (typeof(FarmOptions), "Farm"),
            (typeof(WorkerOptions), WorkerOptions.Section),
            (typeof(CacheOptions), CacheOptions.Section),
            (typeof(HangfireOptions), HangfireOptions.Section),
            (typeof(SourceOptions), SourceOptions.Section),
            (typeof(RegistryOptions), RegistryOptions.Section),
            (typeof(WorkerLoggingOptions), WorkerLoggingOptions.Section),
            (typeof(LogLevelOptions), LogLevelOptions.Section),
            (typeof(GitHubAppOptions), GitHubAppOptions.SectionName),
            (typeof(GitHubOidcOptions), GitHubOidcOptions.Section),
        };
        var variables = classes
            .SelectMany(c => SettingDescription.Of(c.Type, c.Section))
            .SelectMany(s => s.Aliases.Prepend(s.IsList ? $"{s.Variable}__0..N" : s.Variable))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return [.. variables];
    }

    [Theory]
    [MemberData(nameof(Variables))]
    public void SettingsPage_NamesTheSetting(string variable)
    {
        var page = File.ReadAllText(Path.Combine(ProjectReferences.RepositoryRoot(), "docs", "settings.md"));

        Assert.True(page.Contains($"`{variable}`", StringComparison.Ordinal), $"docs/settings.md does not list `{variable}`: add a row with its default, meaning and the process that reads it");
    }

    [Fact]
    public void SettingsPage_CoversTheOptionsClasses()
    {
        // A walker that found nothing would make every row above pass by accident.
        var variables = Variables().Select(v => (string)v.Data).ToList();
        Assert.True(variables.Count > 60, $"only {variables.Count} settings found");
        Assert.Contains("Farm__Worker__Sandbox", variables);
        Assert.Contains("FARM_CACHE_DIR", variables);
        Assert.Contains("Farm__Worker__Queues__0..N", variables);
    }

    [Fact]
    public void Readme_LinksTheSettingsPage()
    {
        var readme = File.ReadAllText(Path.Combine(ProjectReferences.RepositoryRoot(), "README.md"));

        Assert.Contains("(docs/settings.md)", readme, StringComparison.Ordinal);
    }
}

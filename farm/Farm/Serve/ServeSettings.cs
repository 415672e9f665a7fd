using Farm.Configuration;
using Farm.GitHub.Checks;
using Farm.GitHub.Oidc;
using Microsoft.Extensions.Configuration;

namespace Farm.Serve;

/// <summary>
/// What <c>farm serve</c> reads from its configuration before it starts anything: the farm's options, the PostgreSQL
/// connection string, the GitHub App and the OIDC settings, each checked. A bad value is a problem naming its
/// variable (the command prints each and exits 2); nothing falls back silently.
/// </summary>
internal sealed record ServeSettings(FarmOptions Options, string Postgres, GitHubAppOptions App, GitHubOidcOptions Oidc)
{
    /// <summary>The settings, or the problems (each naming a variable) that keep the farm from starting.</summary>
    public static (ServeSettings? Settings, IReadOnlyList<string> Problems) Read(IConfiguration configuration, FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var postgres = configuration.GetConnectionString("Postgres");
        var problems = new List<string>(options.Problems(postgres));
        var app = configuration.GetSection(GitHubAppOptions.SectionName).Get<GitHubAppOptions>() ?? new GitHubAppOptions();
        if (app.IsConfigured)
        {
            problems.AddRange(app.Validate());
        }

        var oidc = GitHubOidcOptions.From(configuration);
        problems.AddRange(oidc.Validate());
        return problems.Count > 0 ? (null, problems) : (new ServeSettings(options, postgres!, app, oidc), []);
    }
}

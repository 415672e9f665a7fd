using Farm.Configuration;
using Farm.Operations;
using Farm.State.Settings;
using Microsoft.AspNetCore.Builder;

namespace Farm.Serve;

/// <summary>Every setting <c>farm serve</c> runs with, bound and checked before anything starts.</summary>
internal sealed record ServeConfiguration(ServeSettings Settings, HangfireOptions Hangfire, CacheOptions Cache, SourceOptions Sources)
{
    public FarmOptions Options => Settings.Options;

    /// <summary>
    /// The configuration of <paramref name="builder"/>, with its logging set up; null when a value is bad, after one
    /// <c>farm serve: …</c> line per problem, each naming its variable.
    /// </summary>
    public static async Task<ServeConfiguration?> ReadAsync(WebApplicationBuilder builder, TextWriter stderr)
    {
        var reader = new SettingsReader(builder.Configuration);
        var options = reader.Bind<FarmOptions>("Farm");
        var hangfire = reader.Bind<HangfireOptions>(HangfireOptions.Section);
        var cache = reader.Bind<CacheOptions>(CacheOptions.Section);
        var sources = reader.Bind<SourceOptions>(SourceOptions.Section);
        builder.AddFarmLogging(options);
        var (settings, settingsProblems) = ServeSettings.Read(builder.Configuration, options);
        // A value that cannot be bound leaves that class's defaults, whose own checks would only add noise.
        var problems = reader.Problems.Count > 0 ? reader.Problems : settingsProblems;
        if (settings is null || problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"farm serve: {problem}").ConfigureAwait(false);
            }

            return null;
        }

        return new ServeConfiguration(settings, hangfire, cache, sources);
    }
}

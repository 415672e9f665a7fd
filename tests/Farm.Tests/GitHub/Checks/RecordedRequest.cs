using System.Text.Json;

namespace Farm.Tests.GitHub.Checks;

/// <summary>One request as the fake GitHub API received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, JsonElement? Body)
{
    public string? Authorization => Headers.GetValueOrDefault("Authorization");

    public JsonElement Json => Body ?? throw new InvalidOperationException($"{Method} {Path} had no JSON body");
}

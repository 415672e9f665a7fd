using System.Text;
using System.Text.Json;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// Username and password for a registry: from the options, else from a Docker <c>config.json</c>
/// (<c>auths.&lt;host&gt;.auth</c> or <c>username</c>/<c>password</c>). Credential helpers are not run.
/// </summary>
internal sealed record RegistryCredentials(string Username, string Password)
{
    public string BasicHeaderValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));

    public static RegistryCredentials? For(string host, RegistryClientOptions options)
    {
        if (options.Username is { } user)
        {
            return new RegistryCredentials(user, options.Password ?? string.Empty);
        }

        var path = options.DockerConfigPath ?? DefaultDockerConfig();
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!json.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var entry in auths.EnumerateObject())
            {
                if (!SameHost(entry.Name, host))
                {
                    continue;
                }

                if (entry.Value.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
                {
                    var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                    var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        return new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]);
                    }
                }

                if (entry.Value.TryGetProperty("username", out var u) && entry.Value.TryGetProperty("password", out var p))
                {
                    return new RegistryCredentials(u.GetString() ?? string.Empty, p.GetString() ?? string.Empty);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or IOException)
        {
            throw new RegistryException($"{path}: cannot read registry credentials: {ex.Message}", ex);
        }

        return null;
    }

    private static string? DefaultDockerConfig()
    {
        var directory = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(directory))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            directory = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".docker");
        }

        return directory is null ? null : Path.Combine(directory, "config.json");
    }

    // Docker writes keys as "host", "https://host" or "https://host/v1/".
    private static bool SameHost(string key, string host)
    {
        var trimmed = key;
        foreach (var prefix in new[] { "https://", "http://" })
        {
            if (trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                trimmed = trimmed[prefix.Length..];
            }
        }

        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return string.Equals(slash < 0 ? trimmed : trimmed[..slash], host, StringComparison.OrdinalIgnoreCase);
    }
}

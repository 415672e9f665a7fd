using System.Net;
using System.Text.Json;

namespace Farm.Core.Oci.Distribution;

/// <summary>Turns an error response into a <see cref="RegistryException"/> with the registry's first error code and message.</summary>
internal static class RegistryErrors
{
    public static async Task<RegistryException> FromResponseAsync(HttpResponseMessage response, string repository, string operation, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var (code, message) = Parse(body);
        return new RegistryException(repository, operation, response.StatusCode, code ?? DefaultCode(response.StatusCode), message ?? FirstLine(body) ?? response.ReasonPhrase ?? "no detail");
    }

    private static (string? Code, string? Message) Parse(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                return (
                    first.TryGetProperty("code", out var c) ? c.GetString() : null,
                    first.TryGetProperty("message", out var m) ? m.GetString() : null);
            }
        }
        catch (JsonException)
        {
            // Not the registry's JSON (a proxy's HTML page, plain text): the first line says enough.
        }

        return (null, null);
    }

    private static string? FirstLine(string body)
    {
        var line = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return line is null ? null : line.Length > 200 ? line[..200] + "..." : line;
    }

    private static string DefaultCode(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "UNAUTHORIZED",
        HttpStatusCode.Forbidden => "DENIED",
        HttpStatusCode.NotFound => "NOT_FOUND",
        HttpStatusCode.TooManyRequests => "TOOMANYREQUESTS",
        _ => "UNKNOWN",
    };
}

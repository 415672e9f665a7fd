using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Farm.Tests.Shared;

namespace Farm.Tests.GitHub;

/// <summary>GitHub's real example payloads (../shared/github-webhooks), edited where a test points them at a local repository, and signed as GitHub signs them.</summary>
internal static class WebhookDeliveries
{
    private static string Directory => Path.GetFullPath(Path.Combine(ProjectReferences.RepositoryRoot(), "..", "shared", "github-webhooks"));

    /// <summary>A payload, or a skip: the examples sit beside the repository (in CI and every session), not in it.</summary>
    public static JsonNode Payload(string relative)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            Assert.Skip($"GitHub's example payloads are not at {Directory} (they live beside the repository, not in it)");
        }

        return JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, relative)))!;
    }

    public static HttpRequestMessage Request(string @event, string body, string? secret, string? delivery = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/github/webhooks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "GitHub-Hookshot/test");
        if (secret is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        }

        return request;
    }
}

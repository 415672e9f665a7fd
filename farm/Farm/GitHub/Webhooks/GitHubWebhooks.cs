using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Octokit.Webhooks.AspNetCore;

namespace Farm.GitHub.Webhooks;

/// <summary>
/// <c>POST /api/github/webhooks</c>: a delivery without a valid <c>X-Hub-Signature-256</c> is answered 401 before
/// anything reads it (Octokit's endpoint would say 400 for a missing one, and checks it again), then Octokit's endpoint
/// hands it to <see cref="FarmWebhookProcessor"/>; a signed delivery the farm cannot read is answered 400.
/// </summary>
internal static class GitHubWebhooks
{
    public const string Path = "/api/github/webhooks";

    public static void Map(WebApplication app, string secret)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == Path && HttpMethods.IsPost(context.Request.Method) && !await SignedAsync(context.Request, key).ConfigureAwait(false))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { error = "X-Hub-Signature-256 is missing or does not match the body (HMAC-SHA256 with the webhook secret)" }).ConfigureAwait(false);
                return;
            }

            if (context.Request.Path == Path && HttpMethods.IsPost(context.Request.Method))
            {
                // Octokit's endpoint answers a payload it cannot parse with a 500; the sender's mistake is a 400.
                var @event = context.Request.Headers["X-GitHub-Event"].ToString();
                string body;
                using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true))
                {
                    body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
                }

                context.Request.Body.Position = 0;
                var problem = @event.Length == 0 || context.Request.Headers["X-GitHub-Delivery"].ToString().Length == 0
                    ? "the X-GitHub-Event and X-GitHub-Delivery headers are required"
                    : FarmWebhookProcessor.Problem(@event, body);
                if (problem is not null)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await context.Response.WriteAsJsonAsync(new { error = problem }).ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGitHubWebhooks(Path, secret);
    }

    private static async Task<bool> SignedAsync(HttpRequest request, byte[] key)
    {
        var header = request.Headers["X-Hub-Signature-256"].ToString();
        if (!header.StartsWith("sha256=", StringComparison.Ordinal) || header.Length != "sha256=".Length + 64)
        {
            return false;
        }

        request.EnableBuffering();
        var hash = await HMACSHA256.HashDataAsync(key, request.Body).ConfigureAwait(false);
        request.Body.Position = 0;
        byte[] presented;
        try
        {
            presented = Convert.FromHexString(header.AsSpan("sha256=".Length));
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(hash, presented);
    }
}

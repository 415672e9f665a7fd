using Farm.Configuration;
using System.Security.Cryptography;
using System.Text;
using Farm.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Farm.GitHub.Webhooks;

/// <summary>
/// <c>POST /api/github/webhooks</c>: the body is read up to <c>Farm__GitHub__WebhookMaxMegabytes</c> (413 past it), a
/// delivery without a valid <c>X-Hub-Signature-256</c> is a failed authentication (401, counted per address, then 429),
/// a signed delivery the farm cannot read is answered 400, and the rest go to <see cref="FarmWebhookProcessor"/>, which
/// records each once. Every answer is JSON; a repeated delivery is a 200 that says it was a duplicate.
/// </summary>
internal static class GitHubWebhooks
{
    public const string Path = Routes.GitHubWebhooks;

    private const string MaxVariable = "Farm__GitHub__WebhookMaxMegabytes";

    public static void Map(WebApplication app, string secret, FarmWebhookProcessor processor)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        app.MapPost(Path, (HttpContext context, FarmOptions options, FailedAuthentications failures) => ReceiveAsync(context, key, processor, options, failures));
    }

    private static async Task<IResult> ReceiveAsync(HttpContext context, byte[] key, FarmWebhookProcessor processor, FarmOptions options, FailedAuthentications failures)
    {
        if (failures.Blocked(context) is { } blocked)
        {
            return blocked;
        }

        var ct = context.RequestAborted;
        BodyLimit.Apply(context, options.GitHub.WebhookMaxMegabytes, MaxVariable);
        if (await BodyLimit.ReadAsync(context.Request, options.GitHub.WebhookMaxMegabytes, ct).ConfigureAwait(false) is not { } body)
        {
            return BodyLimit.TooLarge(context);
        }

        if (!Signed(context.Request.Headers["X-Hub-Signature-256"].ToString(), body, key))
        {
            return failures.Refuse(context, "X-Hub-Signature-256 is missing or does not match the body (HMAC-SHA256 with the webhook secret)");
        }

        var @event = context.Request.Headers["X-GitHub-Event"].ToString();
        var delivery = context.Request.Headers["X-GitHub-Delivery"].ToString();
        if (@event.Length == 0 || delivery.Length == 0)
        {
            return Bad("the X-GitHub-Event and X-GitHub-Delivery headers are required");
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Bad("the payload is not UTF-8");
        }

        if (FarmWebhookProcessor.Problem(@event, text) is { } problem)
        {
            return Bad(problem);
        }

        // The body as signed, not as decoded: the replay the hash must catch is the same bytes under another id.
        var receipt = await processor.ReceiveAsync(delivery, @event, text, Convert.ToHexStringLower(SHA256.HashData(body)), ct).ConfigureAwait(false);
        return Results.Json(new { delivery = receipt.Delivery, status = receipt.Status, reason = receipt.Reason, duplicateOf = receipt.DuplicateOf });
    }

    private static bool Signed(string header, byte[] body, byte[] key)
    {
        if (!header.StartsWith("sha256=", StringComparison.Ordinal) || header.Length != "sha256=".Length + 64)
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(header.AsSpan("sha256=".Length));
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, body), presented);
    }

    private static IResult Bad(string reason) => Results.Json(new { error = reason }, statusCode: StatusCodes.Status400BadRequest);
}

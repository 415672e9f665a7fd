using Farm.Configuration;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Farm.Http;

/// <summary>
/// Requests per minute, by caller: an authenticated API caller by a hash of its token (set by the authentication in
/// <see cref="FarmHttp"/>, which runs first), webhook deliveries and everything else by address (<see cref="RemoteAddress"/>).
/// Token buckets: a caller may spend a minute's worth at once, and gets it back over the minute; a refusal is a 429
/// with <c>Retry-After</c>. A request holds its permit only while it is admitted, so a long log stream costs one.
/// </summary>
internal static class FarmRateLimits
{
    /// <summary>The <see cref="HttpContext.Items"/> key of an authenticated caller's partition (never the token itself).</summary>
    public const string CallerItem = "farm.rate-limit.caller";

    public static void Configure(RateLimiterOptions limiter, FarmOptions.RateLimitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        ArgumentNullException.ThrowIfNull(settings);
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            IsWebhook(context)
                ? Bucket($"webhook {RemoteAddress.Of(context)}", settings.WebhooksPerMinute)
                : context.Items.TryGetValue(CallerItem, out var caller) && caller is string key
                    ? Bucket(key, settings.ApiPerMinute)
                    : Bucket($"address {RemoteAddress.Of(context)}", settings.ApiPerMinute));
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            var context = rejected.HttpContext;
            var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            var (limit, variable) = IsWebhook(context)
                ? (settings.WebhooksPerMinute, "Farm__RateLimits__WebhooksPerMinute")
                : (settings.ApiPerMinute, "Farm__RateLimits__ApiPerMinute");
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(
                new { error = $"too many requests: more than {limit} a minute ({variable}); retry in {seconds} s", retryAfterSeconds = seconds },
                cancellationToken).ConfigureAwait(false);
        };
    }

    private static bool IsWebhook(HttpContext context) => context.Request.Path.Equals(Routes.GitHubWebhooks);

    private static RateLimitPartition<string> Bucket(string key, int perMinute) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = perMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
}

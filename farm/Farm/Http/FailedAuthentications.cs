using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Farm.Http;

/// <summary>
/// Failed authentications (API tokens, OIDC tokens, webhook signatures) counted per address in one-minute windows.
/// Past the limit, every request from that address that needs authentication gets 429 with <c>Retry-After</c> before
/// its credentials are looked at: a guesser learns nothing more until the window ends. Each failure is logged with the
/// address and the reason, never with what was presented.
/// </summary>
internal sealed class FailedAuthentications : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly int _perMinute;
    private readonly ILogger _logger;

    public FailedAuthentications(int perMinute, ILogger<FailedAuthentications> logger)
    {
        _perMinute = perMinute;
        _logger = logger;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(
            address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>A 429 when the caller's address has used up its failures for this window; otherwise null.</summary>
    public IResult? Blocked(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Zero permits asks whether any are left without taking one.
        using var lease = _limiter.AttemptAcquire(RemoteAddress.Of(context), 0);
        return lease.IsAcquired ? null : TooMany(context, lease);
    }

    /// <summary>401 with <paramref name="reason"/>, counted against the address; the failure past the limit is already a 429.</summary>
    public IResult Refuse(HttpContext context, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = RemoteAddress.Of(context);
        using var lease = _limiter.AttemptAcquire(address);
        FarmHttpLog.AuthenticationFailed(_logger, address, context.Request.Method, UntrustedText.Quote(context.Request.Path.Value), reason);
        if (lease.IsAcquired)
        {
            return Results.Json(new { error = reason }, statusCode: StatusCodes.Status401Unauthorized);
        }

        var refused = TooMany(context, lease);
        FarmHttpLog.AuthenticationThrottled(_logger, address, RetryAfterSeconds(lease), _perMinute);
        return refused;
    }

    public void Dispose() => _limiter.Dispose();

    private IResult TooMany(HttpContext context, RateLimitLease lease)
    {
        var seconds = RetryAfterSeconds(lease);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Json(
            new { error = $"too many failed authentications from this address (more than {_perMinute} a minute, Farm__RateLimits__FailedAuthenticationsPerMinute): retry in {seconds} s", retryAfterSeconds = seconds },
            statusCode: StatusCodes.Status429TooManyRequests);
    }

    private static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
}

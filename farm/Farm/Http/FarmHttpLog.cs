using Microsoft.Extensions.Logging;

namespace Farm.Http;

/// <summary>
/// What the farm's HTTP edge logs. Addresses and reasons only: a presented token or a request body is never logged
/// (a mistyped token is often a real one), and request paths are quoted without control characters.
/// </summary>
internal static partial class FarmHttpLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Authentication failed from {Address} ({Method} {Path}): {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string address, string method, string path, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Authentication refused from {Address} for {Seconds} s: more than {Limit} failed authentications in a minute (Farm__RateLimits__FailedAuthenticationsPerMinute)")]
    public static partial void AuthenticationThrottled(ILogger logger, string address, int seconds, int limit);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Request {TraceId} ({Method} {Path}) failed; answered 500")]
    public static partial void Unhandled(ILogger logger, Exception exception, string traceId, string method, string path);
}

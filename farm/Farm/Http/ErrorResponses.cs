using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Farm.Http;

/// <summary>
/// Every refusal carries a JSON <c>{"error": ...}</c>: the ones the framework makes with an empty body (unknown route,
/// wrong method, bad request) get a reason here, and an exception becomes a 500 with the request's trace id and nothing
/// of the exception (logged instead), or the 413 / 400 Kestrel meant when a body was too large or malformed.
/// </summary>
internal static class ErrorResponses
{
    /// <summary>For <c>UseStatusCodePages</c>: only responses without a body of their own reach it.</summary>
    public static async Task WriteStatusAsync(StatusCodeContext status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var context = status.HttpContext;
        var request = context.Request;
        var path = UntrustedText.Quote(request.Path.Value);
        IResult result = context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => Error($"no such route: {request.Method} {path}", 404),
            StatusCodes.Status405MethodNotAllowed => Error($"{request.Method} is not allowed on {path}{(context.Response.Headers.Allow is { Count: > 0 } allow ? $" (allowed: {allow})" : string.Empty)}", 405),
            StatusCodes.Status413PayloadTooLarge => BodyLimit.TooLarge(context),
            StatusCodes.Status415UnsupportedMediaType => Error($"Content-Type '{UntrustedText.Quote(request.ContentType)}' is not accepted here", 415),
            var code => Error(ReasonPhrases.GetReasonPhrase(code) is { Length: > 0 } phrase ? phrase.ToLowerInvariant() : $"HTTP {code}", code),
        };
        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>For <c>UseExceptionHandler</c>: the response was cleared and not started.</summary>
    public static async Task HandleExceptionAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        IResult result;
        if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            result = BodyLimit.TooLarge(context);
        }
        else if (exception is BadHttpRequestException bad)
        {
            // Kestrel's own words about the request (truncated body, bad framing): the client's mistake, not ours.
            result = Error($"the request is malformed: {bad.Message}", bad.StatusCode);
        }
        else
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Farm.Http");
            FarmHttpLog.Unhandled(logger, exception ?? new InvalidOperationException("no exception recorded"), context.TraceIdentifier, context.Request.Method, UntrustedText.Quote(context.Request.Path.Value));
            result = Results.Json(new { error = "internal error", id = context.TraceIdentifier }, statusCode: StatusCodes.Status500InternalServerError);
        }

        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static IResult Error(string reason, int status) => Results.Json(new { error = reason }, statusCode: status);
}

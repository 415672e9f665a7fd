using Farm.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Farm.Http;

/// <summary>
/// The farm's HTTP edge, in front of every endpoint: body limits, JSON refusals, authentication of <c>/api</c>, rate
/// limits. Order matters and is the order of <see cref="UseFarmHttp"/>: errors outermost (they see everything), then
/// routing, then authentication (so the rate limit can partition by caller), then the rate limit.
/// </summary>
internal static class FarmHttp
{
    public static void AddFarmHttp(this WebApplicationBuilder builder, FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = BodyLimit.KestrelBytes(options));
        builder.Services.AddSingleton(services => new FailedAuthentications(options.RateLimits.FailedAuthenticationsPerMinute, services.GetRequiredService<ILogger<FailedAuthentications>>()));
        builder.Services.AddRateLimiter(limiter => FarmRateLimits.Configure(limiter, options.RateLimits));
    }

    public static void UseFarmHttp(this WebApplication app, IRequestAuthenticator authentication)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(authentication);

        // Diagnostics off: the handler logs what is the farm's fault, and a too large body is not.
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorResponses.HandleExceptionAsync, SuppressDiagnosticsCallback = _ => true });
        app.UseStatusCodePages(ErrorResponses.WriteStatusAsync);
        app.UseRouting();
        var failures = app.Services.GetRequiredService<FailedAuthentications>();
        app.Use(async (context, next) =>
        {
            // Every /api route but the webhook, which a signature authenticates; unknown routes too (no route list for guessers).
            if (!context.Request.Path.StartsWithSegments("/api") || context.Request.Path.Equals(Routes.GitHubWebhooks))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var refusal = failures.Blocked(context);
            if (refusal is null && await authentication.AuthenticateAsync(context, context.RequestAborted).ConfigureAwait(false) is { } reason)
            {
                refusal = failures.Refuse(context, reason);
            }

            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.UseRateLimiter();
    }
}

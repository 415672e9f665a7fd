using Farm.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Farm.Http;

/// <summary>An endpoint only callers of a role may use: others get 403 naming the role needed and theirs, and nothing changes.</summary>
internal static class RoleRequirement
{
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, FarmRole needed) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = FarmCaller.Of(context.HttpContext);
            if (caller is null || !caller.May(needed))
            {
                var have = caller is null ? "you are not signed in" : $"yours is {ApiToken.Name(caller.Role)}";
                return Results.Json(new { error = $"this needs the {ApiToken.Name(needed)} role; {have}" }, statusCode: caller is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden);
            }

            return await next(context).ConfigureAwait(false);
        });
}

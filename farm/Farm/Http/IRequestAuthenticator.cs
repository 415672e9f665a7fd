using Microsoft.AspNetCore.Http;

namespace Farm.Http;

/// <summary>Who may call <c>/api</c>: the edge asks before a request reaches its endpoint.</summary>
public interface IRequestAuthenticator
{
    /// <summary>Null when the caller is authenticated; else the reason of the 401.</summary>
    Task<string?> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken);
}

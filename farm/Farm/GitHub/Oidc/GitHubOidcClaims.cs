using System.Globalization;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Farm.GitHub.Oidc;

/// <summary>
/// The claims of a verified GitHub Actions token that the farm uses. Authorise on the ids (stable across renames); the
/// names are for people reading logs and errors.
/// </summary>
internal sealed record GitHubOidcClaims(
    string Repository,
    string RepositoryId,
    string RepositoryOwner,
    string RepositoryOwnerId,
    string Ref,
    string Sha,
    string EventName,
    string JobWorkflowRef,
    string RunId)
{
    /// <summary>The claims read from <paramref name="token"/>, or the name of the first one it lacks (GitHub always sends them all).</summary>
    public static (GitHubOidcClaims? Claims, string? Missing) From(JsonWebToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        string? missing = null;
        string Claim(string name)
        {
            // A string, or a whole number read as its digits; an array or object is no value for a single claim.
            var text = token.TryGetPayloadValue<object>(name, out var value)
                ? value switch
                {
                    string s => s,
                    int or long or uint or ulong => Convert.ToString(value, CultureInfo.InvariantCulture),
                    _ => null,
                }
                : null;
            if (!string.IsNullOrEmpty(text))
            {
                return text;
            }

            missing ??= name;
            return "";
        }

        var claims = new GitHubOidcClaims(
            Claim("repository"),
            Claim("repository_id"),
            Claim("repository_owner"),
            Claim("repository_owner_id"),
            Claim("ref"),
            Claim("sha"),
            Claim("event_name"),
            Claim("job_workflow_ref"),
            Claim("run_id"));
        return missing is null ? (claims, null) : (null, missing);
    }
}

namespace Farm.Configuration;

/// <summary>What a caller may do. Each role may do everything the roles before it may.</summary>
public enum FarmRole
{
    /// <summary>Reads builds, logs, the catalog, workers and the cache.</summary>
    Viewer = 1,

    /// <summary>Also submits, cancels and rebuilds builds, drains and resumes workers, reads Hangfire's dashboard.</summary>
    Operator = 2,

    /// <summary>Also acts in Hangfire's dashboard (retry, delete, trigger recurring jobs).</summary>
    Admin = 3,
}

/// <summary>
/// One <c>Farm__ApiTokens__N</c>: <c>ROLE:SECRET</c> with ROLE viewer, operator or admin, or a bare secret, which stays an
/// admin's (as before roles existed). Only those three exact prefixes name a role: a bare secret holding a colon elsewhere
/// is still one secret.
/// </summary>
public sealed record ApiToken(FarmRole Role, string Secret)
{
    public static ApiToken Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var role = colon < 0 ? null : value[..colon] switch
        {
            "viewer" => FarmRole.Viewer,
            "operator" => FarmRole.Operator,
            "admin" => (FarmRole?)FarmRole.Admin,
            _ => null,
        };
        return role is { } named ? new ApiToken(named, value[(colon + 1)..]) : new ApiToken(FarmRole.Admin, value);
    }

    public static string Name(FarmRole role) => role.ToString().ToLowerInvariant();
}

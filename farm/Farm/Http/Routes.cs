namespace Farm.Http;

/// <summary>Routes the HTTP edge treats apart (their own rate limit, no API token): named here, below the features that map them.</summary>
public static class Routes
{
    /// <summary>Where GitHub delivers webhooks: signed by GitHub, limited per sender apart from the API.</summary>
    public const string GitHubWebhooks = "/api/github/webhooks";
}

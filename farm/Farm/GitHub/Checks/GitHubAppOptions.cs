namespace Farm.GitHub.Checks;

/// <summary>
/// The GitHub App the farm reports check runs as, bound from <c>Farm:GitHub:App</c> (<c>Farm__GitHub__App__AppId</c>,
/// <c>Farm__GitHub__App__PrivateKeyFile</c>, <c>Farm__GitHub__App__ApiBaseUrl</c>). Without an app id and a key the
/// farm runs without GitHub.
/// </summary>
public sealed class GitHubAppOptions
{
    public const string SectionName = "Farm:GitHub:App";

    public const string DefaultApiBaseUrl = "https://api.github.com/";

    /// <summary>The app's numeric id (the app's settings page, "App ID"); a string so a typo is reported, not thrown by the binder.</summary>
    public string? AppId { get; init; }

    /// <summary>The app's private key, PEM (PKCS#1 as GitHub hands it out, or PKCS#8).</summary>
    public string? PrivateKeyFile { get; init; }

    /// <summary>The REST API root; for GitHub Enterprise Server <c>https://HOST/api/v3/</c>.</summary>
    public string ApiBaseUrl { get; init; } = DefaultApiBaseUrl;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AppId) || !string.IsNullOrWhiteSpace(PrivateKeyFile);

    /// <summary>The app id as a number; call after <see cref="Validate"/> found no problem.</summary>
    public long ParsedAppId => long.Parse(AppId ?? throw new InvalidOperationException("Farm__GitHub__App__AppId is not set"));

    /// <summary>
    /// <see cref="ApiBaseUrl"/> ending in '/': relative API paths are resolved against it, and without the slash
    /// <c>https://HOST/api/v3</c> would lose its last segment.
    /// </summary>
    public Uri ApiBaseUri => new(ApiBaseUrl.EndsWith('/') ? ApiBaseUrl : ApiBaseUrl + "/", UriKind.Absolute);

    /// <summary>Every problem, each naming its environment variable; empty when check runs can be reported.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(AppId))
        {
            problems.Add("Farm__GitHub__App__AppId is not set: the GitHub App's numeric id (App settings, \"App ID\")");
        }
        else if (!long.TryParse(AppId, out var id) || id <= 0)
        {
            problems.Add($"Farm__GitHub__App__AppId: '{AppId}' is not a GitHub App id (a positive number, e.g. 123456)");
        }

        if (string.IsNullOrWhiteSpace(PrivateKeyFile))
        {
            problems.Add("Farm__GitHub__App__PrivateKeyFile is not set: the app's private key (.pem) downloaded from its settings page");
        }
        else if (!File.Exists(PrivateKeyFile))
        {
            problems.Add($"Farm__GitHub__App__PrivateKeyFile: {PrivateKeyFile} does not exist");
        }
        else if (KeyProblem(PrivateKeyFile) is { } keyProblem)
        {
            problems.Add($"Farm__GitHub__App__PrivateKeyFile: {keyProblem}");
        }

        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            problems.Add($"Farm__GitHub__App__ApiBaseUrl: '{ApiBaseUrl}' is not an http(s) URL without query (e.g. {DefaultApiBaseUrl}, or https://HOST/api/v3/ for GitHub Enterprise Server)");
        }

        return problems;
    }

    private static string? KeyProblem(string path)
    {
        try
        {
            using var key = AppPrivateKey.Load(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path} cannot be read: {e.Message}";
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }
}

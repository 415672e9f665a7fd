using System.Net;

namespace Farm.GitHub.Checks;

/// <summary>
/// GitHub refused or could not be reached while the farm reported to it. The farm logs it and goes on: a build never
/// fails because its check run could not be updated.
/// </summary>
public sealed class GitHubReportException : Exception
{
    public GitHubReportException()
    {
    }

    public GitHubReportException(string message)
        : base(message)
    {
    }

    public GitHubReportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GitHubReportException(string message, HttpStatusCode? statusCode, Exception innerException)
        : base(message, innerException) => StatusCode = statusCode;

    /// <summary>GitHub's answer; null when none came (connection refused, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }
}

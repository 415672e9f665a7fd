using Octokit;

namespace Farm.GitHub.Checks;

/// <summary>Runs one call to GitHub and turns whatever goes wrong into a <see cref="GitHubReportException"/> saying what was tried, GitHub's status and message.</summary>
internal static class GitHubCall
{
    public static async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            // Octokit's calls take no cancellation token: stop waiting for the answer instead.
            return await call().WaitAsync(ct).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            throw new GitHubReportException($"{what}: GitHub answered {(int)e.StatusCode} {e.StatusCode}: {Describe(e)}", e.StatusCode, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new GitHubReportException($"{what}: GitHub could not be reached: {e.Message}", statusCode: null, e);
        }
    }

    private static string Describe(ApiException e)
    {
        // 422s carry the reason in errors[] ("annotations ... is too long"); the message alone is "Validation Failed".
        var details = e.ApiError?.Errors?.Select(d => d.Message ?? $"{d.Resource}.{d.Field} {d.Code}").Where(d => d.Length > 1).ToList() ?? [];
        var message = e.ApiError?.Message ?? e.Message;
        return details.Count == 0 ? message : $"{message} ({string.Join("; ", details)})";
    }
}

using System.Globalization;
using Farm.Core.Builds;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/builds/{id}/targets/{kernel}/first-error</c>: the first error of the whole log, not only of the lines a page
/// shows (a 50 MB log's page renders its tail). Read in chunks, so memory stays one chunk whatever the log's size, and
/// only when asked; answers by sending the browser to that line, or saying no line looks like an error.
/// </summary>
internal static class LogSearch
{
    private const int Chunk = 20_000;

    /// <summary>The 1-based number of the first line that looks like an error, or null.</summary>
    public static async Task<int?> FirstErrorAsync(IBuildStore store, string id, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        for (var from = 0; ; from += Chunk)
        {
            var lines = await store.ReadLogAsync(id, name, from, Chunk, ct).ConfigureAwait(false);
            if (LogErrors.First(lines) is var found and >= 0)
            {
                return from + found + 1;
            }

            if (lines.Count < Chunk)
            {
                return null;
            }
        }
    }

    public static async Task<IResult> GetAsync(string id, string kernel, HttpContext context, IBuildStore store)
    {
        var ct = context.RequestAborted;
        if ((await store.GetTargetsAsync(id, ct).ConfigureAwait(false)).FirstOrDefault(t => t.Name == kernel) is not { } target)
        {
            return Pages.Error(context, StatusCodes.Status404NotFound, $"build {id} has no target {kernel}");
        }

        var line = await FirstErrorAsync(store, id, target.Name, ct).ConfigureAwait(false);
        if (Pages.WantsJson(context))
        {
            return Results.Json(new { build = id, kernel = target.Name, firstError = line });
        }

        var self = $"/builds/{Uri.EscapeDataString(id)}/targets/{Uri.EscapeDataString(target.Name)}";
        return line is { } n
            ? Results.Redirect(string.Create(CultureInfo.InvariantCulture, $"{self}?from={Math.Max(1, n - 10)}#L{n}"))
            : Pages.Error(context, StatusCodes.Status404NotFound, $"no line of {target.Name}'s log looks like an error");
    }
}

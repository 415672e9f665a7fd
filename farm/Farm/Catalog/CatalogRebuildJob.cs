using Hangfire;

namespace Farm.Catalog;

/// <summary>The Hangfire job behind the nightly catalog rebuild (recurring job <c>catalog-rebuild</c>) and the API's rebuild request.</summary>
internal sealed class CatalogRebuildJob
{
    public const string RecurringId = "catalog-rebuild";
    private readonly CatalogRebuild _rebuild;

    public CatalogRebuildJob(CatalogRebuild rebuild) => _rebuild = rebuild;

    // A failed run is not retried: the next trigger rebuilds anyway, and a retry would submit every build twice.
    [AutomaticRetry(Attempts = 0)]
    public Task<string> RunAsync(string trigger, CancellationToken cancellationToken) => _rebuild.RunAsync(trigger, cancellationToken);
}

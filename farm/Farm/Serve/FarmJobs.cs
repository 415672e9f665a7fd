using Farm.Builds;
using Farm.Catalog;
using Farm.Configuration;
using Farm.Core.Builds;
using Farm.GitHub.Webhooks;
using Hangfire;

namespace Farm.Serve;

/// <summary>
/// The jobs the farm's own Hangfire server runs (queues <c>assemble</c> and <c>control</c>), by the type they were
/// created as, and the nightly catalog rebuild's schedule: set when a catalog repository is configured, removed when
/// not, so a farm restarted without one stops rebuilding.
/// </summary>
internal static class FarmJobs
{
    /// <summary>The job instances for <see cref="Embedded.FarmJobActivator"/>: the catalog's only with a catalog.</summary>
    public static Dictionary<Type, object> Create(AssembleJob assemble, GitHubDeliveryJob deliveries, ResolveBuildJob resolve, CatalogRebuild? catalog)
    {
        var jobs = new Dictionary<Type, object>
        {
            [typeof(IAssembleJob)] = assemble,
            [typeof(GitHubDeliveryJob)] = deliveries,
            [typeof(ResolveBuildJob)] = resolve,
        };
        if (catalog is not null)
        {
            jobs[typeof(CatalogRebuildJob)] = new CatalogRebuildJob(catalog);
        }

        return jobs;
    }

    /// <summary>Schedules (or unschedules) the nightly rebuild; a problem naming <c>Farm__Catalog__Cron</c> when its cron is bad.</summary>
    public static string? ScheduleCatalog(IRecurringJobManager recurring, bool catalogConfigured, FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(recurring);
        ArgumentNullException.ThrowIfNull(options);
        if (!catalogConfigured)
        {
            recurring.RemoveIfExists(CatalogRebuildJob.RecurringId);
            return null;
        }

        try
        {
            recurring.AddOrUpdate(CatalogRebuildJob.RecurringId, Hangfire.Common.Job.FromExpression<CatalogRebuildJob>(j => j.RunAsync("nightly", CancellationToken.None), FarmQueues.Control), options.Catalog.Cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"Farm__Catalog__Cron: '{options.Catalog.Cron}' is not a cron expression (e.g. 0 3 * * *): {ex.Message}";
        }
    }
}

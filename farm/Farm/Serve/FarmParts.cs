using Farm.Builds;
using Farm.Catalog;
using Farm.Configuration;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Repositories;
using Farm.Dashboard;
using Farm.GitHub;
using Farm.Http;
using Farm.Operations;
using Farm.State.Postgres;
using Farm.State.Sources;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Farm.Serve;

/// <summary>
/// What <c>farm serve</c> is made of, built once from its checked settings on one PostgreSQL database: the build
/// store and Hangfire's storage, submitting, sources, the worker watchdog, GitHub and the catalog; each registered
/// in the web host's container for the endpoints that need it.
/// </summary>
internal sealed class FarmParts
{
    public required FarmOptions Options { get; init; }

    public required PostgresBuildStore Store { get; init; }

    public required JobStorage Storage { get; init; }

    public required BackgroundJobClient Client { get; init; }

    /// <summary>Opens a repository as the farm's registry settings say: plain HTTP for a registry on the loopback.</summary>
    public required Func<OciReference, IOciRepository> Open { get; init; }

    public required WorkerWatchdog Watchdog { get; init; }

    public required BuildSubmitter Submitter { get; init; }

    public required SourceCheckout Sources { get; init; }

    public required GitHubStore GitHubStore { get; init; }

    public required GitHubBuilds GitHubBuilds { get; init; }

    /// <summary>The nightly catalog rebuild, when a catalog repository is configured.</summary>
    public required CatalogRebuild? Catalog { get; init; }

    public required ApiTokenSet Tokens { get; init; }

    /// <summary>Builds the parts and registers them with <paramref name="builder"/>'s services.</summary>
    public static FarmParts Register(WebApplicationBuilder builder, ServeConfiguration settings, NpgsqlDataSource database, PostgresBuildStore store, JobStorage storage)
    {
        var options = settings.Options;
        var client = new BackgroundJobClient(storage);
        var workers = new WorkerRegistry(database, options.Workers.DeadAfter);
        // A target no live worker serves waits Farm__Builds__QueueWaitMinutes for one to register (the API says so),
        // or is skipped at once when that is 0.
        var watchdog = new WorkerWatchdog(new TargetRecovery(database), workers, store, client, options.Builds.QueueWait);
        var mirrors = new RuntimeMirrors();
        foreach (var mirror in options.Runtime.Mirrors)
        {
            mirrors.TryAdd(mirror);
        }

        Func<OciReference, IOciRepository> open = reference =>
            OciRepositories.Open(reference, options.Registry.ClientOptions(insecure: options.Registry.Insecure || (!reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!))));
        var submitter = new BuildSubmitter(store, client, watchdog.WhyNotServedAsync, mirrors, open, options.Sources.Policy());
        var sources = new SourceCheckout(options.CacheDirectory, options.Sources.Policy(), SourceCacheLocations.Archive(settings.Cache.Registry));
        var uploads = UploadStore.Open(settings.Sources.Reference(settings.Cache.Registry), open);
        // GitHub: webhooks only with a secret, check runs only with an app, the catalog only with a repository.
        var gitHubStore = new GitHubStore(database);
        var catalogStore = new CatalogStore(database);
        var catalog = options.Catalog.Repository is { Length: > 0 } ? new CatalogRebuild(catalogStore, submitter, sources, options) : null;
        var tokens = new ApiTokenSet(options.ApiTokens);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton<IBuildStore>(store);
        services.AddSingleton(workers);
        services.AddSingleton(submitter);
        services.AddSingleton(sources);
        services.AddSingleton<IBackgroundJobClient>(client);
        services.AddSingleton(uploads);
        services.AddSingleton(new BuildRebuilder(store, submitter, sources, uploads, client));
        services.AddSingleton(catalogStore);
        builder.AddFarmHttp(options);
        builder.AddFarmOperations(options, database);
        services.AddSingleton(s => new DashboardAccess(tokens, options.Dashboard.AnonymousRead, s.GetRequiredService<FailedAuthentications>()));
        // What Hangfire's dashboard asks the container for; its storage is passed explicitly, no global is set.
        services.AddSingleton<IGlobalConfiguration>(GlobalConfiguration.Configuration);
        services.AddSingleton(Hangfire.Dashboard.DashboardRoutes.Routes);

        return new FarmParts
        {
            Options = options,
            Store = store,
            Storage = storage,
            Client = client,
            Open = open,
            Watchdog = watchdog,
            Submitter = submitter,
            Sources = sources,
            GitHubStore = gitHubStore,
            GitHubBuilds = new GitHubBuilds(submitter, sources, gitHubStore, options),
            Catalog = catalog,
            Tokens = tokens,
        };
    }
}

using Farm.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Farm.Core.Oci.Repositories;
using Farm.Builds;
using Farm.Catalog;
using Farm.GitHub;
using Farm.GitHub.Checks;
using Farm.GitHub.Oidc;
using Farm.GitHub.Webhooks;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Embedded;
using Farm.Dashboard;
using Farm.Http;
using Farm.Operations;
using Farm.State.Postgres;
using Farm.State.Settings;
using Farm.State.Sources;
using Hangfire;
using Npgsql;

namespace Farm.Serve;

/// <summary>
/// <c>farm serve</c>: the API, the farm-side Hangfire server (queues <c>assemble</c> and <c>control</c>) and the
/// farm's state, all on PostgreSQL. Settings are checked first; migrations run at start-up.
/// </summary>
internal static class FarmServer
{
    public static async Task<int> RunAsync(string[] urls, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (urls.Length > 0)
        {
            builder.WebHost.UseUrls(urls);
        }

        // Every setting bound and checked before anything starts: a bad value stops the farm naming its variable.
        var reader = new SettingsReader(builder.Configuration);
        var options = reader.Bind<FarmOptions>("Farm");
        var hangfire = reader.Bind<HangfireOptions>(HangfireOptions.Section);
        var cacheOptions = reader.Bind<CacheOptions>(CacheOptions.Section);
        var sourceOptions = reader.Bind<SourceOptions>(SourceOptions.Section);
        builder.AddFarmLogging(options);
        var (settings, settingsProblems) = ServeSettings.Read(builder.Configuration, options);
        // A value that cannot be bound leaves that class's defaults, whose own checks would only add noise.
        var problems = reader.Problems.Count > 0 ? reader.Problems : settingsProblems;
        if (settings is null || problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"farm serve: {problem}").ConfigureAwait(false);
            }

            return 2;
        }

        var postgres = settings.Postgres;
        var database = FarmConnections.Open(postgres, "farm");
        try
        {
            await FarmSchema.MigrateAsync(database, cancellationToken, GitHubSchema.Module, CatalogSchema.Module, OperationsSchema.Module).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"farm serve: cannot reach PostgreSQL (ConnectionStrings__Postgres): {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        var store = new PostgresBuildStore(database);
        var storage = await FarmHangfireStorage.CreateServingAsync(hangfire, store.Listener, [FarmQueues.Assemble, FarmQueues.Control], cancellationToken).ConfigureAwait(false);
        var client = new BackgroundJobClient(storage);
        IOciRepository Open(OciReference reference) =>
            OciRepositories.Open(reference, options.Registry.ClientOptions(insecure: options.Registry.Insecure || (!reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!))));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IBuildStore>(store);
        var workers = new WorkerRegistry(database, options.Workers.DeadAfter);
        builder.Services.AddSingleton(workers);
        // A target no live worker serves waits Farm__Builds__QueueWaitMinutes for one to register (the API says so),
        // or is skipped at once when that is 0.
        var watchdog = new WorkerWatchdog(new TargetRecovery(database), workers, store, client, options.Builds.QueueWait);
        var mirrors = new RuntimeMirrors();
        foreach (var mirror in options.Runtime.Mirrors)
        {
            mirrors.TryAdd(mirror);
        }

        var submitter = new BuildSubmitter(store, client, watchdog.WhyNotServedAsync, mirrors, Open, options.Sources.Policy());
        var sources = new SourceCheckout(options.CacheDirectory, options.Sources.Policy(), SourceCacheLocations.Archive(cacheOptions.Registry));
        builder.Services.AddSingleton(submitter);
        builder.Services.AddSingleton(sources);
        builder.Services.AddSingleton<IBackgroundJobClient>(client);
        var uploads = UploadStore.Open(sourceOptions.Reference(cacheOptions.Registry), Open);
        builder.Services.AddSingleton(uploads);
        builder.Services.AddSingleton(new BuildRebuilder(store, submitter, sources, uploads, client));

        // GitHub: webhooks only with a secret, check runs only with an app, the catalog only with a repository.
        var gitHubStore = new GitHubStore(database);
        var catalogStore = new CatalogStore(database);
        builder.Services.AddSingleton(catalogStore);
        var catalog = options.Catalog.Repository is { Length: > 0 } ? new CatalogRebuild(catalogStore, submitter, sources, options) : null;
        var gitHubBuilds = new GitHubBuilds(submitter, sources, gitHubStore, options);
        var appOptions = settings.App;
        var oidcOptions = settings.Oidc;
        // One verifier for the farm: it holds the issuer's keys.
        using var oidcHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var oidc = oidcOptions.Enabled ? new GitHubOidcVerifier(oidcOptions, oidcHttp, TimeProvider.System) : null;
        builder.AddFarmHttp(options);
        builder.AddFarmOperations(options, database);
        var tokens = new ApiTokenSet(options.ApiTokens);
        builder.Services.AddSingleton(services => new DashboardAccess(tokens, options.Dashboard.AnonymousRead, services.GetRequiredService<FailedAuthentications>()));
        // What Hangfire's dashboard asks the container for; its storage is passed explicitly, no global is set.
        builder.Services.AddSingleton<IGlobalConfiguration>(GlobalConfiguration.Configuration);
        builder.Services.AddSingleton(Hangfire.Dashboard.DashboardRoutes.Routes);
        var app = builder.Build();
        app.UseFarmHttp(new ApiAuthentication(tokens, oidc));
        app.MapFarmOperations(options);
        app.MapDashboard(app.Services.GetRequiredService<DashboardAccess>(), storage);
        var api = BuildsApi.Map(app);
        WorkersApi.Map(api);
        CatalogApi.Map(api, catalog is not null);
        if (options.GitHub.WebhookSecret is { Length: > 0 } secret)
        {
            GitHubWebhooks.Map(app, secret, new FarmWebhookProcessor(gitHubStore, client));
        }

        if (FarmJobs.ScheduleCatalog(new RecurringJobManager(storage), catalog is not null, options) is { } cronProblem)
        {
            await stderr.WriteLineAsync($"farm serve: {cronProblem}").ConfigureAwait(false);
            return 2;
        }

        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        store.Listener.LogTo(loggers.CreateLogger<BuildChangeListener>());
        var jobs = FarmJobs.Create(new AssembleJob(store, Open), new GitHubDeliveryJob(gitHubStore, gitHubBuilds, store, catalog), new ResolveBuildJob(store, sources, submitter, loggers.CreateLogger<ResolveBuildJob>()), catalog);
        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = $"farm-{Environment.MachineName}-{Environment.ProcessId}",
                Queues = [FarmQueues.Assemble, FarmQueues.Control],
                WorkerCount = 2,
                Activator = new FarmJobActivator(jobs),
                FilterProvider = JobFailureFilter.With(store, client, loggers.CreateLogger<JobFailureFilter>()),
            },
            storage);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        // Ends the farm's own loops (check runs, build deadlines, the worker watchdog) before the server stops.
        await using var loops = new FarmLoops();
        loops.Start(ct => watchdog.RunAsync(loggers.CreateLogger<WorkerWatchdog>(), ct));
        GitHubAppClient? gitHubApp = null;
        if (appOptions.IsConfigured)
        {
            gitHubApp = new GitHubAppClient(appOptions, TimeProvider.System);
            var sync = new CheckRunSync(gitHubStore, store, new CheckRunReporter(gitHubApp, TimeProvider.System), loggers.CreateLogger<CheckRunSync>());
            loops.Start(ct => sync.RunAsync(TimeSpan.FromSeconds(2), ct));
        }

        var deadlines = new BuildDeadlines(store, TimeSpan.FromMinutes(options.Builds.TimeoutMinutes), TimeProvider.System);
        loops.Start(ct => deadlines.RunAsync(loggers.CreateLogger<BuildDeadlines>(), ct));
        await stdout.WriteLineAsync($"farm serve: listening on {string.Join(", ", app.Urls)}").ConfigureAwait(false);
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        // Ctrl-C reaches us through the command line's token, SIGTERM through the host's lifetime.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await loops.StopAsync().ConfigureAwait(false);
        gitHubApp?.Dispose();
        server.SendStop();
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
        await database.DisposeAsync().ConfigureAwait(false);
        return 0;
    }
}

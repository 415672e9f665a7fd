using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Farm.Builds;
using Farm.Catalog;
using Farm.GitHub;
using Farm.GitHub.Checks;
using Farm.GitHub.Oidc;
using Farm.GitHub.Webhooks;
using Farm.Core.Builds;
using Farm.Embedded;
using Farm.Dashboard;
using Farm.Http;
using Farm.Operations;
using Farm.State.Postgres;
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
        if (await ServeConfiguration.ReadAsync(builder, stderr).ConfigureAwait(false) is not { } settings)
        {
            return 2;
        }

        var database = FarmConnections.Open(settings.Settings.Postgres, "farm");
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
        var storage = await FarmHangfireStorage.CreateServingAsync(settings.Hangfire, store.Listener, [FarmQueues.Assemble, FarmQueues.Control], cancellationToken).ConfigureAwait(false);
        var parts = FarmParts.Register(builder, settings, database, store, storage);
        // One verifier for the farm: it holds the issuer's keys.
        using var oidcHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var oidc = settings.Settings.Oidc.Enabled ? new GitHubOidcVerifier(settings.Settings.Oidc, oidcHttp, TimeProvider.System) : null;
        var app = builder.Build();
        MapEndpoints(app, parts, oidc);
        if (FarmJobs.ScheduleCatalog(new RecurringJobManager(storage), parts.Catalog is not null, parts.Options) is { } cronProblem)
        {
            await stderr.WriteLineAsync($"farm serve: {cronProblem}").ConfigureAwait(false);
            return 2;
        }

        await ServeUntilStoppedAsync(app, parts, settings.Settings.App, stdout, cancellationToken).ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
        await database.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    private static void MapEndpoints(WebApplication app, FarmParts parts, GitHubOidcVerifier? oidc)
    {
        app.UseFarmHttp(new ApiAuthentication(parts.Tokens, oidc));
        app.MapFarmOperations(parts.Options);
        app.MapDashboard(app.Services.GetRequiredService<DashboardAccess>(), parts.Storage);
        var api = BuildsApi.Map(app);
        WorkersApi.Map(api);
        CatalogApi.Map(api, parts.Catalog is not null);
        if (parts.Options.GitHub.WebhookSecret is { Length: > 0 } secret)
        {
            GitHubWebhooks.Map(app, secret, new FarmWebhookProcessor(parts.GitHubStore, parts.Client));
        }
    }

    /// <summary>
    /// The API, the farm-side Hangfire server and the farm's own loops (the worker watchdog, check runs, build
    /// deadlines), until Ctrl-C or SIGTERM; then each stopped, the loops first.
    /// </summary>
    private static async Task ServeUntilStoppedAsync(WebApplication app, FarmParts parts, GitHubAppOptions appOptions, TextWriter stdout, CancellationToken cancellationToken)
    {
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var store = parts.Store;
        store.Listener.LogTo(loggers.CreateLogger<BuildChangeListener>());
        var jobs = FarmJobs.Create(
            new AssembleJob(store, parts.Open),
            new GitHubDeliveryJob(parts.GitHubStore, parts.GitHubBuilds, store, parts.Catalog),
            new ResolveBuildJob(store, parts.Sources, parts.Submitter, loggers.CreateLogger<ResolveBuildJob>()),
            parts.Catalog);
        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = $"farm-{Environment.MachineName}-{Environment.ProcessId}",
                Queues = [FarmQueues.Assemble, FarmQueues.Control],
                WorkerCount = 2,
                Activator = new FarmJobActivator(jobs),
                FilterProvider = JobFailureFilter.With(store, parts.Client, loggers.CreateLogger<JobFailureFilter>()),
            },
            parts.Storage);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        // Ends the farm's own loops (check runs, build deadlines, the worker watchdog) before the server stops.
        await using var loops = new FarmLoops();
        loops.Start(ct => parts.Watchdog.RunAsync(loggers.CreateLogger<WorkerWatchdog>(), ct));
        GitHubAppClient? gitHubApp = null;
        if (appOptions.IsConfigured)
        {
            gitHubApp = new GitHubAppClient(appOptions, TimeProvider.System);
            var sync = new CheckRunSync(parts.GitHubStore, store, new CheckRunReporter(gitHubApp, TimeProvider.System), loggers.CreateLogger<CheckRunSync>());
            loops.Start(ct => sync.RunAsync(TimeSpan.FromSeconds(2), ct));
        }

        var deadlines = new BuildDeadlines(store, TimeSpan.FromMinutes(parts.Options.Builds.TimeoutMinutes), TimeProvider.System);
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
    }
}

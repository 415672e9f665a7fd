using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Farm.Builds;
using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Embedded;
using Farm.Worker.Jobs;
using Farm.Worker.State;
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
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (urls.Length > 0)
        {
            builder.WebHost.UseUrls(urls);
        }

        var options = builder.Configuration.GetSection("Farm").Get<FarmOptions>() ?? new FarmOptions();
        var postgres = builder.Configuration.GetConnectionString("Postgres");
        if (options.Problems(postgres) is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"farm serve: {problem}").ConfigureAwait(false);
            }

            return 2;
        }

        var database = NpgsqlDataSource.Create(postgres!);
        try
        {
            await FarmSchema.MigrateAsync(database, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            await stderr.WriteLineAsync($"farm serve: cannot reach PostgreSQL (ConnectionStrings__Postgres): {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        var storage = FarmHangfireStorage.Create(postgres!);
        var store = new PostgresBuildStore(database);
        var client = new BackgroundJobClient(storage);
        IOciRepository Open(OciReference reference) =>
            OciRepositories.Open(reference, new RegistryClientOptions { Insecure = options.Registry.Insecure || (!reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!)) });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IBuildStore>(store);
        builder.Services.AddSingleton(new WorkerRegistry(database));
        builder.Services.AddSingleton(new SourceCheckout(Environment.GetEnvironmentVariable("Farm__CacheDirectory")));
        // A farm enqueues every target: a worker that serves its queue may register later (the API shows the target queued).
        var mirrors = new RuntimeMirrors();
        foreach (var mirror in options.Runtime.Mirrors)
        {
            mirrors.TryAdd(mirror);
        }

        builder.Services.AddSingleton(new BuildSubmitter(store, client, (_, _) => null, mirrors, Open));
        var app = builder.Build();
        BuildsApi.Map(app, new ApiAuthentication(options.ApiTokens));

        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                ServerName = $"farm-{Environment.MachineName}-{Environment.ProcessId}",
                Queues = [FarmQueues.Assemble, FarmQueues.Control],
                WorkerCount = 2,
                Activator = new FarmJobActivator(new Dictionary<Type, object> { [typeof(IAssembleJob)] = new AssembleJob(store, Open) }),
            },
            storage);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
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

        server.SendStop();
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await database.DisposeAsync().ConfigureAwait(false);
        return 0;
    }
}

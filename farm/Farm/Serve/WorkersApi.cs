using Farm.Configuration;
using Farm.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Farm.State.Postgres;

namespace Farm.Serve;

/// <summary>
/// The workers: <c>GET /api/workers</c> lists them; <c>POST /api/workers/{name}/drain</c> asks one to finish its running
/// targets and take no new one (rolling upgrades, maintenance), <c>POST /api/workers/{name}/resume</c> lets it take
/// targets again. Both answer 202 with the worker as listed, or 404 for an unknown name; authenticated as all of /api.
/// </summary>
internal static class WorkersApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/workers", async (WorkerRegistry workers, CancellationToken ct) =>
            Results.Json((await workers.ListAsync(ct).ConfigureAwait(false)).Select(Describe)));
        api.MapPost("/workers/{name}/drain", (string name, WorkerRegistry workers, CancellationToken ct) =>
            ChangeAsync(name, workers, workers.RequestDrainAsync, ct)).RequireRole(FarmRole.Operator);
        api.MapPost("/workers/{name}/resume", (string name, WorkerRegistry workers, CancellationToken ct) =>
            ChangeAsync(name, workers, workers.ResumeAsync, ct)).RequireRole(FarmRole.Operator);
    }

    private static async Task<IResult> ChangeAsync(string name, WorkerRegistry workers, Func<string, CancellationToken, Task<bool>> change, CancellationToken ct)
    {
        if (!await change(name, ct).ConfigureAwait(false))
        {
            return Results.Json(new { error = $"no worker {name}" }, statusCode: 404);
        }

        var worker = (await workers.ListAsync(ct).ConfigureAwait(false)).Single(w => w.Name == name);
        return Results.Json(Describe(worker), statusCode: 202);
    }

    /// <summary>
    /// <c>state</c>: alive or gone (heartbeat); <c>drain</c>: serving, draining (finishing its targets) or drained (its
    /// job server stopped with nothing running: safe to stop).
    /// </summary>
    private static object Describe(WorkerInfo w) => new
    {
        name = w.Name,
        queues = w.Queues,
        started = w.Started,
        heartbeat = w.Heartbeat,
        state = w.Alive ? "alive" : "gone",
        drain = w.Drain.Name(),
    };
}

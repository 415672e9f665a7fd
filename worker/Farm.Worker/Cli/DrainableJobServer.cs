using Farm.State.Postgres;
using Hangfire;

namespace Farm.Worker.Cli;

/// <summary>
/// The worker's Hangfire server, following the drain state the farm asks for at each heartbeat: draining stops the
/// server from fetching while the targets it runs finish (Hangfire's stop with no abort timeout), and once it has
/// stopped the worker is drained; resuming starts a new server. Only the serve loop calls it (one thread).
/// </summary>
internal sealed class DrainableJobServer : IDisposable
{
    /// <summary>On SIGTERM, how long running targets get before the process ends (the farm requeues what is left).</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private readonly Func<BackgroundJobServer> _start;
    private BackgroundJobServer? _server;
    private Task? _stopping;

    /// <param name="start">Starts a server; its <c>StopTimeout</c> must be long enough for a target to finish.</param>
    public DrainableJobServer(Func<BackgroundJobServer> start) => _start = start;

    /// <summary>True while a server fetches targets.</summary>
    public bool Serving => _server is not null && _stopping is null;

    /// <summary>Moves towards <paramref name="drain"/>.</summary>
    /// <returns>True when the worker is drained and the farm still says draining: the caller confirms it.</returns>
    public bool Follow(WorkerDrain drain)
    {
        if (_stopping is { IsCompleted: true })
        {
            _server!.Dispose();
            _server = null;
            _stopping = null;
        }

        if (drain == WorkerDrain.Serving)
        {
            // A resume while the last targets still finish starts the new server once the old one has stopped.
            if (_server is null)
            {
                _server = _start();
            }

            return false;
        }

        if (_server is not null && _stopping is null)
        {
            _server.SendStop();
            _stopping = _server.WaitForShutdownAsync(CancellationToken.None);
        }

        return _server is null && drain == WorkerDrain.Draining;
    }

    /// <summary>Stops fetching and gives running targets <see cref="StopGrace"/>; a server still busy then is left to the process's exit.</summary>
    public void Dispose()
    {
        if (_server is null)
        {
            return;
        }

        if (_stopping is null)
        {
            _server.SendStop();
            _stopping = _server.WaitForShutdownAsync(CancellationToken.None);
        }

        if (_stopping.Wait(StopGrace))
        {
            _server.Dispose();
        }

        _server = null;
    }
}

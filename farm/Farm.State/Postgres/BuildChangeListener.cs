using Farm.Core.Builds.Signals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Farm.State.Postgres;

/// <summary>
/// One connection per process that LISTENs on <see cref="SignalSchema"/>'s channels and hands each NOTIFY to the
/// <see cref="BuildSignalHub"/>, and on <see cref="JobQueueSignal.Channel"/> to <see cref="Jobs"/> (Hangfire's idle
/// worker threads). When the connection drops (PostgreSQL restarted, the backend terminated, the network
/// gone) the watches fall back to polling every <see cref="BuildSignalHub.FallbackPoll"/> while this reconnects; on
/// every (re)connect all watches and job threads wake once, since a NOTIFY sent while nobody listened is lost.
/// </summary>
public sealed partial class BuildChangeListener : IAsyncDisposable
{
    /// <summary>How long the connection may be silent before a probe proves it still lives (a dead peer sends no error).</summary>
    public static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);

    private readonly NpgsqlDataSource _database;
    private readonly BuildSignalHub _hub;
    private ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private int _processId;
    private int _connections;

    public BuildChangeListener(NpgsqlDataSource database, BuildSignalHub hub, ILogger? logger = null)
    {
        _database = database;
        _hub = hub;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Where the listener says it connected or lost its connection: a process's logging is set up after its store (the
    /// farm's comes with the web host), so the logger may come later than the listener.
    /// </summary>
    public void LogTo(ILogger logger) => Volatile.Write(ref _logger, logger ?? throw new ArgumentNullException(nameof(logger)));

    private ILogger Logger => Volatile.Read(ref _logger);

    /// <summary>Wakes this process's Hangfire threads on a job queue's NOTIFY (<see cref="FarmHangfireStorage"/>).</summary>
    public JobWakeup Jobs { get; } = new();

    /// <summary>The pool the listener connects from; the woken job queue fetches from it too.</summary>
    internal NpgsqlDataSource Database => _database;

    /// <summary>The backend process id of the listening connection, 0 while disconnected.</summary>
    public int ProcessId => Volatile.Read(ref _processId);

    /// <summary>How many times the listener has connected (1 after start, +1 per reconnect).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts listening (once; later calls do nothing).</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _loop ??= Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var retry = FirstRetry;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(() => retry = FirstRetry, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                Volatile.Write(ref _processId, 0);
                LogLost(Logger, ex.Message, retry.TotalSeconds);
            }

            try
            {
                await Task.Delay(retry, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, BuildSignalHub.DefaultFallbackPoll.Ticks));
        }
    }

    private async Task ListenAsync(Action connected, CancellationToken stopping)
    {
        await using var connection = await _database.OpenConnectionAsync(stopping).ConfigureAwait(false);
        connection.Notification += (_, e) =>
        {
            if (e.Channel == JobQueueSignal.Channel)
            {
                Jobs.Signal(e.Payload);
            }
            else
            {
                _hub.Raise(e.Payload, e.Channel == SignalSchema.LogsChannel ? BuildChanges.Log : BuildChanges.Targets);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {SignalSchema.TargetsChannel}; LISTEN {SignalSchema.LogsChannel}; LISTEN {JobQueueSignal.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
        }

        Volatile.Write(ref _processId, connection.ProcessID);
        var count = Interlocked.Increment(ref _connections);
        connected();
        LogListening(Logger, connection.ProcessID, count);
        _hub.RaiseAll();
        Jobs.SignalAll();
        while (true)
        {
            if (!await connection.WaitAsync(ProbeAfter, stopping).ConfigureAwait(false))
            {
                await using var probe = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 10 };
                await probe.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
            _stopping.Cancel();
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }
}

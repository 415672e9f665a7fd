using Farm.Core.Builds;
using Microsoft.Extensions.Logging;

namespace Farm.Builds;

/// <summary>
/// Every build ends: one older than its deadline (<c>Farm__Builds__TimeoutMinutes</c>) is failed, with every target
/// still open, naming the target it was waiting on, its state and its worker. The check is one query for the open
/// builds past the cut-off, every <see cref="CheckInterval"/>; what it misses (a worker that never reports, a job
/// Hangfire lost, a registry that never answers) it ends at most that much after the deadline.
/// </summary>
internal sealed partial class BuildDeadlines
{
    public const string Setting = "Farm__Builds__TimeoutMinutes";
    private readonly IBuildStore _store;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public BuildDeadlines(IBuildStore store, TimeSpan timeout, TimeProvider time)
    {
        _store = store;
        _timeout = timeout;
        _time = time;
    }

    /// <summary>A quarter of the deadline, at most 15 s: a build ends within that much after its deadline.</summary>
    public TimeSpan CheckInterval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(15).Ticks, _timeout.Ticks / 4));

    /// <summary>Fails every open build past its deadline; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> FailOverdueAsync(CancellationToken cancellationToken)
    {
        var expired = new List<string>();
        foreach (var build in await _store.ListOpenAsync(_time.GetUtcNow() - _timeout, cancellationToken).ConfigureAwait(false))
        {
            var targets = await _store.GetTargetsAsync(build.Id, cancellationToken).ConfigureAwait(false);
            if (await _store.ExpireAsync(build.Id, Reason(targets), cancellationToken).ConfigureAwait(false))
            {
                expired.Add(build.Id);
            }
        }

        return expired;
    }

    /// <summary>Checks until <paramref name="cancellationToken"/> ends; a failed check (the database away) is logged and tried again.</summary>
    public async Task RunAsync(ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    foreach (var id in await FailOverdueAsync(cancellationToken).ConfigureAwait(false))
                    {
                        Log.Expired(logger, id);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.CheckFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Reason(IReadOnlyList<TargetRecord> targets)
    {
        var deadline = $"the build exceeded its {_timeout.TotalMinutes:0.##}-minute deadline ({Setting})";
        if ((targets.FirstOrDefault(t => t.State == TargetState.Running) ?? targets.FirstOrDefault(t => !t.State.IsFinal())) is not { } waiting)
        {
            return $"{deadline} while publishing: every target had ended; the assemble job did not finish";
        }

        var where = string.Join(", ", new[] { waiting.State.Name(), waiting.Phase, waiting.Worker is { } w ? $"worker {w}" : $"no worker took queue {waiting.Queue}" }.OfType<string>());
        return $"{deadline} while waiting for target {waiting.PlatformName} ({where})";
    }
}

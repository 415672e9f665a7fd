using Farm.Core.Builds.Signals;

namespace Farm.Core.Builds;

/// <summary>The store of the embedded farm (one process): the same rules as the PostgreSQL store, under one lock.</summary>
public sealed partial class InMemoryBuildStore : IBuildStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BuildRecord> _builds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TargetRecord>> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), List<string>> _logs = [];

    // Raised under _gate: the hub takes only its own lock and wakes waiters asynchronously, so no lock order exists.
    private readonly BuildSignalHub _signals = new();

    public IBuildWatch Watch(string buildId, BuildChanges changes) => _signals.Subscribe(buildId, changes);

    public Task CreateAsync(BuildRecord build, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        lock (_gate)
        {
            if (!_builds.TryAdd(build.Id, build))
            {
                throw new InvalidOperationException($"build {build.Id} exists");
            }

            _targets[build.Id] = [.. targets.Select(t => Stamped(t, build.Created))];
        }

        return Task.CompletedTask;
    }

    public Task<bool> PlanAsync(BuildRecord planned, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        lock (_gate)
        {
            if (!_builds.TryGetValue(planned.Id, out var build) || build.State != BuildState.Resolving)
            {
                return Task.FromResult(false);
            }

            _builds[planned.Id] = planned with { State = BuildState.Queued };
            _targets[planned.Id] = [.. targets.Select(t => Stamped(t, DateTimeOffset.UtcNow))];
            return Task.FromResult(true);
        }
    }

    public Task<BuildRecord?> GetAsync(string buildId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_builds.GetValueOrDefault(buildId));
        }
    }

    public Task<IReadOnlyList<TargetRecord>> GetTargetsAsync(string buildId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TargetRecord>>(_targets.TryGetValue(buildId, out var targets) ? [.. targets] : []);
        }
    }

    public Task<string?> GetTargetPlanAsync(string buildId, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(Find(buildId, name)?.Target.Plan);
        }
    }

    public Task<bool> StartTargetAsync(string buildId, string name, string worker, int attempt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Find(buildId, name) is not { } found || found.Target.State.IsFinal() || attempt < found.Target.Attempt)
            {
                return Task.FromResult(false);
            }

            Replace(found, found.Target with { State = TargetState.Running, Worker = worker, Phase = "starting", Attempt = attempt, Started = DateTimeOffset.UtcNow });
            if (_builds[buildId].State == BuildState.Queued)
            {
                _builds[buildId] = _builds[buildId] with { State = BuildState.Running };
            }

            return Task.FromResult(true);
        }
    }

    public Task SetPhaseAsync(string buildId, string name, string phase, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Find(buildId, name) is { } found && !found.Target.State.IsFinal())
            {
                Replace(found, found.Target with { Phase = phase });
            }
        }

        return Task.CompletedTask;
    }

    public Task<int?> CompleteTargetAsync(string buildId, string name, TargetOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_gate)
        {
            if (Find(buildId, name) is not { } found || found.Target.State.IsFinal())
            {
                return Task.FromResult<int?>(null);
            }

            Replace(found, found.Target with
            {
                State = outcome.State,
                Phase = null,
                Reason = outcome.Reason,
                ManifestDigest = outcome.ManifestDigest,
                IndexEntry = outcome.IndexEntry,
                BuildSeconds = outcome.BuildSeconds,
                BootSeconds = outcome.BootSeconds,
                CacheHits = outcome.CacheHits,
                CacheMisses = outcome.CacheMisses,
                CacheErrors = outcome.CacheErrors,
                Cached = outcome.Cached,
                CacheTiers = outcome.CacheTiers.Where(p => TierUse.Names.Contains(p.Key)).ToDictionary(StringComparer.Ordinal),
                RootfsCached = outcome.RootfsCached,
                Finished = DateTimeOffset.UtcNow,
                KernelBytes = outcome.KernelBytes,
            });
            return Task.FromResult<int?>(_targets[buildId].Count(t => !t.State.IsFinal()));
        }
    }

    public Task<bool> FinishAsync(string buildId, BuildState state, string? indexDigest, string? reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_builds.TryGetValue(buildId, out var build) || build.State.IsFinal())
            {
                return Task.FromResult(false);
            }

            _builds[buildId] = build with { State = state, IndexDigest = indexDigest, Reason = reason, Finished = DateTimeOffset.UtcNow };
            return Task.FromResult(true);
        }
    }

    public Task<bool> CancelAsync(string buildId, CancellationToken cancellationToken) =>
        Task.FromResult(End(buildId, BuildState.Cancelled, TargetState.Cancelled, "cancelled"));

    public Task<bool> ExpireAsync(string buildId, string reason, CancellationToken cancellationToken) =>
        Task.FromResult(End(buildId, BuildState.Failed, TargetState.Failed, reason));

    public Task<IReadOnlyList<BuildRecord>> ListOpenAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<BuildRecord>>([.. _builds.Values.Where(b => !b.State.IsFinal() && b.Created < createdBefore).OrderBy(b => b.Created)]);
        }
    }

    public Task AppendLogAsync(string buildId, string name, string line, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue((buildId, name), out var lines))
            {
                _logs[(buildId, name)] = lines = [];
            }

            lines.Add(line);
            _signals.Raise(buildId, BuildChanges.Log);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ReadLogAsync(string buildId, string name, int from, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>(_logs.TryGetValue((buildId, name), out var lines) ? lines.Skip(from).ToList() : []);
        }
    }

    public Task<IReadOnlyList<string>> ReadLogAsync(string buildId, string name, int from, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>(_logs.TryGetValue((buildId, name), out var lines) ? lines.Skip(from).Take(limit).ToList() : []);
        }
    }

    public Task<int> CountLogAsync(string buildId, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_logs.TryGetValue((buildId, name), out var lines) ? lines.Count : 0);
        }
    }

    /// <summary>A target as stored: waiting since <paramref name="planned"/> unless it says otherwise.</summary>
    private static TargetRecord Stamped(TargetRecord target, DateTimeOffset planned) =>
        target with { Queued = target.Queued ?? planned, Finished = target.State.IsFinal() ? target.Finished ?? planned : target.Finished };

    private (List<TargetRecord> List, int Index, TargetRecord Target)? Find(string buildId, string name)
    {
        if (!_targets.TryGetValue(buildId, out var targets))
        {
            return null;
        }

        var index = targets.FindIndex(t => t.Name == name);
        return index < 0 ? null : (targets, index, targets[index]);
    }

    private void Replace((List<TargetRecord> List, int Index, TargetRecord Target) found, TargetRecord replacement)
    {
        found.List[found.Index] = replacement;
        if (found.Target.State != replacement.State)
        {
            _signals.Raise(replacement.BuildId, BuildChanges.Targets);
        }
    }

    private bool End(string buildId, BuildState state, TargetState targetState, string reason)
    {
        lock (_gate)
        {
            if (!_builds.TryGetValue(buildId, out var build) || build.State.IsFinal())
            {
                return false;
            }

            var targets = _targets[buildId];
            for (var i = 0; i < targets.Count; i++)
            {
                if (!targets[i].State.IsFinal())
                {
                    targets[i] = targets[i] with { State = targetState, Phase = null, Reason = reason, Finished = DateTimeOffset.UtcNow };
                }
            }

            _builds[buildId] = build with { State = state, Reason = reason, Finished = DateTimeOffset.UtcNow };
            _signals.Raise(buildId, BuildChanges.Targets);
            return true;
        }
    }
}

using Hangfire;

namespace Farm.Embedded;

/// <summary>Hands Hangfire the farm's job objects (one instance per type, built when the farm starts).</summary>
internal sealed class FarmJobActivator : JobActivator
{
    private readonly IReadOnlyDictionary<Type, object> _jobs;

    public FarmJobActivator(IReadOnlyDictionary<Type, object> jobs) => _jobs = jobs;

    public override object ActivateJob(Type jobType) =>
        _jobs.TryGetValue(jobType, out var job) ? job : throw new InvalidOperationException($"no job of type {jobType.Name} in this process");
}

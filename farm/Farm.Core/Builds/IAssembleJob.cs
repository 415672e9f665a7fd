namespace Farm.Core.Builds;

/// <summary>
/// The farm-side job a worker enqueues (queue <see cref="FarmQueues.Assemble"/>) when its completion left no target
/// open. Named by interface so that a worker can enqueue it without the host's code; the host implements it.
/// </summary>
public interface IAssembleJob
{
    Task AssembleAsync(string buildId, CancellationToken cancellationToken);
}

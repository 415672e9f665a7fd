namespace Farm.Core.Builds;

/// <summary>Where a build is. Succeeded, failed and cancelled are final.</summary>
public enum BuildState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>Accepted, not yet planned: its commit is being fetched and its Kraftfile read (a control job); no targets yet.</summary>
    Resolving,
}

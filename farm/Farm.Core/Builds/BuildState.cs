namespace Farm.Core.Builds;

/// <summary>Where a build is. Succeeded, failed and cancelled are final.</summary>
public enum BuildState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

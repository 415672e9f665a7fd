namespace Farm.Core.Builds;

/// <summary>
/// Where one target of a build is. Succeeded, failed, skipped and cancelled are final, and a target reaches a final
/// state once: the store refuses a second completion, so the build's counter counts each target once.
/// </summary>
public enum TargetState
{
    Queued,
    Running,
    Succeeded,
    Failed,

    /// <summary>No worker of this farm can serve the target's queue; the reason says why. Never silently dropped.</summary>
    Skipped,
    Cancelled,
}

public static class TargetStates
{
    public static bool IsFinal(this TargetState state) => state is TargetState.Succeeded or TargetState.Failed or TargetState.Skipped or TargetState.Cancelled;

    public static bool IsFinal(this BuildState state) => state is BuildState.Succeeded or BuildState.Failed or BuildState.Cancelled;

    public static string Name(this TargetState state) => state.ToString().ToLowerInvariant();

    public static string Name(this BuildState state) => state.ToString().ToLowerInvariant();
}

namespace Farm.Core.Builds.Signals;

/// <summary>What a watcher of a build wants to hear about.</summary>
[Flags]
public enum BuildChanges
{
    None = 0,

    /// <summary>A target's state changed (started, finished, cancelled, requeued).</summary>
    Targets = 1,

    /// <summary>Lines were appended to one of the build's target logs.</summary>
    Log = 2,
}

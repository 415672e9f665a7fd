namespace Farm.Worker.Builders;

/// <summary>The result of a build: the kernel and its full <c>.config</c>, or the one-line reason it failed.</summary>
internal sealed record BuildOutcome(string? KernelPath, string? ConfigPath, string? FailureReason, TimeSpan Elapsed)
{
    /// <summary>The key under which the build recorded its snapshot for the next build of this target; null when it recorded none.</summary>
    public string? SnapshotKey { get; init; }

    public bool Succeeded => FailureReason is null && KernelPath is not null;

    public static BuildOutcome Failed(string reason, TimeSpan elapsed) => new(null, null, reason, elapsed);
}

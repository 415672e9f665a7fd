namespace Farm.Worker.Builders;

/// <summary>The result of a build: the kernel and its full <c>.config</c>, or the one-line reason it failed.</summary>
internal sealed record BuildOutcome(string? KernelPath, string? ConfigPath, string? FailureReason, TimeSpan Elapsed)
{
    public bool Succeeded => FailureReason is null && KernelPath is not null;

    public static BuildOutcome Failed(string reason, TimeSpan elapsed) => new(null, null, reason, elapsed);
}

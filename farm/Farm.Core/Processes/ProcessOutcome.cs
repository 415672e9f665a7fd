namespace Farm.Core.Processes;

/// <summary>How a process ended. <see cref="TimedOut"/> and <see cref="StartError"/> mean it never exited by itself.</summary>
public sealed record ProcessOutcome(int? ExitCode, bool TimedOut, TimeSpan Elapsed, string? StartError = null)
{
    /// <summary>The sandbox limit the process ran into ("exceeded the sandbox's process limit (512 ...)"), when that is why it failed.</summary>
    public string? LimitExceeded { get; init; }

    public bool Succeeded => ExitCode == 0 && !TimedOut && StartError is null;
}

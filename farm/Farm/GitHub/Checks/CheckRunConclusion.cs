namespace Farm.GitHub.Checks;

/// <summary>How a target's build ended, as GitHub shows it.</summary>
internal enum CheckRunConclusion
{
    Success,
    Failure,
    Cancelled,
    Skipped,
    Neutral,
}

namespace Farm.GitHub.Checks;

/// <summary>What a completed check run shows: its conclusion, a title, a Markdown summary, optional details and annotations.</summary>
internal sealed record CheckRunOutcome(
    CheckRunConclusion Conclusion,
    string Title,
    string Summary,
    string? Text = null,
    IReadOnlyList<CheckAnnotation>? Annotations = null);

namespace Farm.GitHub.Checks;

/// <summary>A message GitHub shows at lines of a file in the commit (a Kraftfile error, a compiler warning).</summary>
/// <param name="Path">Relative to the repository root, '/'-separated.</param>
internal sealed record CheckAnnotation(
    string Path,
    int StartLine,
    int EndLine,
    AnnotationLevel Level,
    string Message,
    string? Title = null);

internal enum AnnotationLevel
{
    Failure,
    Warning,
    Notice,
}

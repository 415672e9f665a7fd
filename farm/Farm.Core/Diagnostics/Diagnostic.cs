namespace Farm.Core.Diagnostics;

/// <summary>
/// One located finding about an input file: where (1-based line and column), which field
/// (<c>targets[1].architecture</c>, <c>libraries.lwip</c>; empty for the file as a whole) and what is expected.
/// </summary>
public sealed record Diagnostic(
    DiagnosticSeverity Severity,
    string File,
    int Line,
    int Column,
    string Field,
    string Message)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>Compiler-style line: <c>PATH:LINE:COL: error: FIELD: MESSAGE</c>.</summary>
    public string Format()
    {
        var kind = IsError ? "error" : "warning";
        var field = Field.Length == 0 ? "" : Field + ": ";
        return $"{File}:{Line}:{Column}: {kind}: {field}{Message}";
    }

    public override string ToString() => Format();
}

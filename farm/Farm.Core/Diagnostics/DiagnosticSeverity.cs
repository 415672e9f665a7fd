namespace Farm.Core.Diagnostics;

public enum DiagnosticSeverity
{
    Warning,
    Error,
}

using Farm.Core.Yaml;

namespace Farm.Core.Diagnostics;

/// <summary>Collects the diagnostics of one file, in the order they were found.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public DiagnosticBag(string file) => File = file;

    public string File { get; }

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Error(Mark at, string field, string message) =>
        _items.Add(new Diagnostic(DiagnosticSeverity.Error, File, at.Line, at.Column, field, message));

    public void Warning(Mark at, string field, string message) =>
        _items.Add(new Diagnostic(DiagnosticSeverity.Warning, File, at.Line, at.Column, field, message));
}

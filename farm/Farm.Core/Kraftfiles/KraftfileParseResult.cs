using Farm.Core.Diagnostics;

namespace Farm.Core.Kraftfiles;

/// <summary>The outcome of reading one Kraftfile: the model when there were no errors, and every diagnostic found.</summary>
public sealed record KraftfileParseResult(string Path, Kraftfile? Kraftfile, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool IsValid => Kraftfile is not null && !Diagnostics.Any(d => d.IsError);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}

namespace Farm.Cache.Compilation;

/// <summary>The resident helper's part of a compile (<see cref="Resident.ResidentHelper"/>).</summary>
public sealed partial class CachedCompile
{
    /// <summary>
    /// The compile, as <see cref="Run"/> does it, when its key needs no preprocessor run: a direct-mode hit, a depend-mode
    /// miss, or an uncacheable compile, the compiler run through the runner. Null, before anything ran or was counted,
    /// for a compile keyed by its preprocessed text: the caller hands it to farm-cc, which decides everything again.
    /// </summary>
    public int? RunWithoutPreprocessor(string compiler, IReadOnlyList<string> arguments) => Compile(compiler, arguments, preprocessorKey: false);
}

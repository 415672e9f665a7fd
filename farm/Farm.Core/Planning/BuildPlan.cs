using Farm.Core.Kraftfiles;

namespace Farm.Core.Planning;

/// <summary>
/// The fan-out of one Kraftfile. A source build lists its jobs; a runtime-only Kraftfile's jobs are the
/// platforms of <see cref="Runtime"/>, known only once its index is read from the registry.
/// </summary>
public sealed record BuildPlan(Kraftfile Kraftfile, IReadOnlyList<TargetJob> Jobs, RuntimeReference? Runtime)
{
    public bool TargetsComeFromRuntime => Runtime is not null;
}

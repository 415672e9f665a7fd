using Farm.Core.Diagnostics;

namespace Farm.Core.Planning;

public sealed record PlanResult(BuildPlan? Plan, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => Plan is not null;
}

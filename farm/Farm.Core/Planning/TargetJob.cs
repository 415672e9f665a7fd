namespace Farm.Core.Planning;

/// <summary>
/// One job of a build: one Kraftfile target. Identified within its build by <see cref="KernelFileName"/>
/// (<c>name_plat-arch</c>), which is unique in a valid plan even when two targets share a platform and architecture.
/// </summary>
public sealed record TargetJob(
    string Target,
    string Platform,
    string Architecture,
    string Queue,
    string KernelFileName,
    IReadOnlyList<KeyValuePair<string, string>> KConfig,
    WorkerRequirements Requires);

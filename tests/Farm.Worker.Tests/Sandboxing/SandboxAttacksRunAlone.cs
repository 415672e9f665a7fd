namespace Farm.Worker.Tests.Sandboxing;

/// <summary>
/// The attack tests set variables in the test process's environment (as a worker's would hold secrets) and fork bombs
/// load the machine: they run one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SandboxAttacksRunAlone
{
    public const string Name = "sandbox attacks";
}

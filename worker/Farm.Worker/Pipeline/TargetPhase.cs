namespace Farm.Worker.Pipeline;

/// <summary>The stage a target's pipeline entered, reported through <see cref="TargetPipelineOptions.OnPhase"/> (the API's <c>phase</c>).</summary>
public enum TargetPhase
{
    /// <summary>make runs (the kernel is compiled).</summary>
    Building,

    /// <summary>The kernel boots on its hypervisor for the smoke test.</summary>
    Booting,
}

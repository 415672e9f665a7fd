namespace Farm.Core.Builds;

/// <summary>The farm's own Hangfire queues; target jobs use <c>plat-arch</c> (<see cref="Planning.Queues"/>).</summary>
public static class FarmQueues
{
    public const string Assemble = "assemble";
    public const string Control = "control";
}

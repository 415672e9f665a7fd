namespace Farm.Worker.Targets;

/// <summary>What one sweep removed, and what it could not (a file the build made undeletable).</summary>
internal sealed class SweepCounts
{
    public int Removed { get; private set; }

    public int Failed { get; private set; }

    public void Count(bool removed)
    {
        if (removed)
        {
            Removed++;
        }
        else
        {
            Failed++;
        }
    }
}

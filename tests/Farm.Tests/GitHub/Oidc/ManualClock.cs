namespace Farm.Tests.GitHub.Oidc;

/// <summary>A clock that moves only when told: tests step past the verifier's refetch interval without waiting.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

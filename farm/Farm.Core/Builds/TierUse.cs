namespace Farm.Core.Builds;

/// <summary>
/// One object-cache tier's part in a target's compiles (or their sum over a day or a build): the hits it served, its
/// errors (each served as a miss) and the bytes it read. Tiers are <c>local</c>, <c>redis</c> and <c>registry</c>.
/// </summary>
public sealed record TierUse(long Hits, long Errors, long BytesRead)
{
    public static readonly IReadOnlyList<string> Names = ["local", "redis", "registry"];

    public static TierUse operator +(TierUse left, TierUse right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new TierUse(left.Hits + right.Hits, left.Errors + right.Errors, left.BytesRead + right.BytesRead);
    }

    public static TierUse Add(TierUse left, TierUse right) => left + right;
}

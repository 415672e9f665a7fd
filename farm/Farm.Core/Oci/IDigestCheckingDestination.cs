namespace Farm.Core.Oci;

/// <summary>
/// A stream that hashes what is written to it and refuses to keep it unless it hashes to <see cref="Expected"/> (a
/// layout's staging file): a reader filling it need not hash the same bytes again.
/// </summary>
public interface IDigestCheckingDestination
{
    Digest Expected { get; }
}

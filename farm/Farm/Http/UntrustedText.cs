namespace Farm.Http;

/// <summary>Values from a token not yet (or never) verified, made fit to quote in a 401 reason.</summary>
internal static class UntrustedText
{
    private const int Longest = 80;

    /// <summary>The value without control characters, cut at <see cref="Longest"/> characters: a reason stays one short line.</summary>
    public static string Quote(string? value)
    {
        var printable = new string((value ?? "").Where(c => !char.IsControl(c)).Take(Longest + 1).ToArray());
        return printable.Length > Longest ? printable[..Longest] + "..." : printable;
    }
}

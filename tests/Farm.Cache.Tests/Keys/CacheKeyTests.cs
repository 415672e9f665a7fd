using Farm.Cache.Keys;

namespace Farm.Cache.Tests.Keys;

/// <summary>
/// One test per input of <see cref="CacheKey"/>: changing it changes the key. (The schema version is a constant, so
/// a change to it cannot be made from a test; it is hashed first, like every other field.)
/// </summary>
public sealed class CacheKeyTests
{
    private static readonly CacheKey Baseline = new(
        new string('a', 64),
        ".c",
        ["-O2", "-g", "-DCONFIG_X=1", "-I/farm/app/include", "-c"],
        new string('b', 64));

    [Fact]
    public void Compute_SameInputs_SameKey() =>
        Assert.Equal(Baseline.Compute(), (Baseline with { Arguments = [.. Baseline.Arguments] }).Compute());

    [Fact]
    public void Compute_Always_Returns64LowercaseHexDigits() =>
        Assert.Matches("^[0-9a-f]{64}$", Baseline.Compute());

    [Fact]
    public void Compute_CompilerIdentityDiffers_KeyDiffers() =>
        Assert.NotEqual(Baseline.Compute(), (Baseline with { CompilerIdentity = new string('c', 64) }).Compute());

    [Fact]
    public void Compute_LanguageDiffers_KeyDiffers() =>
        Assert.NotEqual(Baseline.Compute(), (Baseline with { Language = ".S" }).Compute());

    [Fact]
    public void Compute_ArgumentDiffers_KeyDiffers() =>
        Assert.NotEqual(Baseline.Compute(), (Baseline with { Arguments = ["-O1", "-g", "-DCONFIG_X=1", "-I/farm/app/include", "-c"] }).Compute());

    [Fact]
    public void Compute_ArgumentsReordered_KeyDiffers() =>
        Assert.NotEqual(Baseline.Compute(), (Baseline with { Arguments = [.. Baseline.Arguments.Reverse()] }).Compute());

    [Fact]
    public void Compute_ArgumentAdded_KeyDiffers() =>
        Assert.NotEqual(Baseline.Compute(), (Baseline with { Arguments = [.. Baseline.Arguments, "-fno-PIC"] }).Compute());

    [Fact]
    public void Compute_ArgumentsSplitDifferently_KeyDiffers()
    {
        // "-I" "dir" and "-Idir" reach gcc the same way, but "-D" "A B" and "-DA" "B" do not: fields are length-prefixed.
        var split = Baseline with { Arguments = ["-DA", "B"] };
        var joined = Baseline with { Arguments = ["-DAB"] };
        Assert.NotEqual(split.Compute(), joined.Compute());
    }

    [Fact]
    public void Compute_InputDigestDiffers_KeyDiffers() =>
        Assert.NotEqual(Baseline.Compute(), (Baseline with { InputDigest = new string('d', 64) }).Compute());

    [Fact]
    public void Compute_ValueMovedBetweenFields_KeyDiffers()
    {
        var a = new CacheKey("gcc", ".c", [], "x");
        var b = new CacheKey("gc", "c.c", [], "x");
        Assert.NotEqual(a.Compute(), b.Compute());
    }
}

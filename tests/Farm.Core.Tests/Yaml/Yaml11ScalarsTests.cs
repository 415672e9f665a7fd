using Farm.Core.Yaml;

namespace Farm.Core.Tests.Yaml;

public sealed class Yaml11ScalarsTests
{
    [Theory]
    [InlineData("y", ScalarKind.Boolean)]
    [InlineData("No", ScalarKind.Boolean)]
    [InlineData("~", ScalarKind.Null)]
    [InlineData("", ScalarKind.Null)]
    [InlineData("0x1F", ScalarKind.WholeNumber)]
    [InlineData("-12", ScalarKind.WholeNumber)]
    [InlineData("0.5", ScalarKind.RealNumber)]
    [InlineData("1e3", ScalarKind.RealNumber)]
    [InlineData(".", ScalarKind.Text)]
    [InlineData("v0.6", ScalarKind.Text)]
    [InlineData("qemu/x86_64", ScalarKind.Text)]
    public void Resolve_PlainScalar_FollowsYaml11(string text, ScalarKind kind) =>
        Assert.Equal(kind, Yaml11Scalars.Resolve(text, isPlain: true, tag: null));

    [Fact]
    public void Resolve_QuotedScalar_IsAlwaysText() =>
        Assert.Equal(ScalarKind.Text, Yaml11Scalars.Resolve("y", isPlain: false, tag: null));

    [Theory]
    [InlineData("0x400000000", "17179869184")]
    [InlineData("0b101", "5")]
    [InlineData("-0x10", "-16")]
    [InlineData("0xFFFFFFFFFFFFFFFF", "18446744073709551615")]
    public void IntegerToDecimal_AnyBase_GivesDecimal(string text, string expected) =>
        Assert.Equal(expected, Yaml11Scalars.IntegerToDecimal(text));
}

using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary><c>x-farm.smoke</c>: read when valid, a located error when not; kraft itself ignores the key.</summary>
public sealed class FarmSettingsTests
{
    private const string Head = "spec: v0.6\nunikraft: stable\ntargets: [qemu/x86_64]\n";

    [Fact]
    public void Parse_Smoke_ReadsExpectTimeoutAndExit()
    {
        var result = new KraftfileParser().Parse(Head + "x-farm:\n  smoke:\n    expect: \"Hello, (world|there)!\"\n    timeout: 1500ms\n    exit: 3\n", "Kraftfile", "/tmp/app");

        var smoke = result.Kraftfile!.Farm.Smoke;
        Assert.Equal(("Hello, (world|there)!", TimeSpan.FromSeconds(1.5), 3), (smoke.Expect, smoke.Timeout, smoke.Exit));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("45", 45)]
    [InlineData("0.5s", 0.5)]
    public void ParseDuration_UnitsAndBareSeconds(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), FarmSettingsReader.ParseDuration(text));

    [Theory]
    [InlineData("    expect: \"(unclosed\"\n", 5, "x-farm.smoke.expect", "not a valid regular expression")]
    [InlineData("    timeout: soon\n", 5, "x-farm.smoke.timeout", "'soon' is not a duration")]
    [InlineData("    timeout: 2h\n", 5, "x-farm.smoke.timeout", "longer than the 1h")]
    [InlineData("    exit: -1\n", 5, "x-farm.smoke.exit", "expected an exit status from 0 to 255")]
    [InlineData("    exit: 256\n", 5, "x-farm.smoke.exit", "expected an exit status from 0 to 255")]
    public void Parse_BadSmokeField_IsALocatedError(string line, int lineNumber, string field, string message)
    {
        var result = new KraftfileParser().Parse(Head + "x-farm:\n  smoke:\n" + line, "Kraftfile", "/tmp/app");

        var error = Assert.Single(result.Errors);
        Assert.Equal((lineNumber + 1, field), (error.Line, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownSmokeKey_WarnsWithTheNearestName()
    {
        var result = new KraftfileParser().Parse(Head + "x-farm:\n  smoke:\n    expct: Hello\n", "Kraftfile", "/tmp/app");

        Assert.True(result.IsValid);
        Assert.Contains(result.Diagnostics, d => d.Field == "x-farm.smoke.expct" && d.Message.Contains("expect", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_FileUrlComponent_IsASourceNotAVersion()
    {
        var result = new KraftfileParser().Parse("spec: v0.6\nunikraft: file:///srv/git/unikraft.git@RELEASE-0.17.0\ntargets: [qemu/x86_64]\n", "Kraftfile", "/tmp/app");

        Assert.Equal(("file:///srv/git/unikraft.git", "RELEASE-0.17.0"), (result.Kraftfile!.Unikraft!.Source, result.Kraftfile.Unikraft.Version));
    }
}

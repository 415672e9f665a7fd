using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary><c>x-farm.smoke.http: {port, expect}</c>: a server's smoke test asks it over HTTP.</summary>
public sealed class HttpSmokeSettingsTests
{
    private const string Head = "spec: v0.6\nunikraft: stable\ntargets: [qemu/x86_64]\nx-farm:\n  smoke:\n    http:\n";

    [Fact]
    public void Parse_Http_ReadsPortAndExpect()
    {
        var result = new KraftfileParser().Parse(Head + "      port: 8123\n      expect: \"Bye, World!\"\n", "Kraftfile", "/tmp/app");

        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        Assert.Equal(new HttpSmoke(8123, "Bye, World!"), result.Kraftfile!.Farm.Smoke.Http);
    }

    [Theory]
    [InlineData("      port: 0\n      expect: x\n", 7, "x-farm.smoke.http.port", "1 to 65535")]
    [InlineData("      port: 70000\n      expect: x\n", 7, "x-farm.smoke.http.port", "1 to 65535")]
    [InlineData("      port: http\n      expect: x\n", 7, "x-farm.smoke.http.port", "found 'http'")]
    [InlineData("      port: 80\n      expect: \"(\"\n", 8, "x-farm.smoke.http.expect", "not a valid regular expression")]
    [InlineData("      expect: x\n", 7, "x-farm.smoke.http", "port is required")]
    [InlineData("      port: 80\n", 7, "x-farm.smoke.http", "expect is required")]
    public void Parse_BadHttp_IsALocatedError(string lines, int line, string field, string message)
    {
        var result = new KraftfileParser().Parse(Head + lines, "Kraftfile", "/tmp/app");

        var error = Assert.Single(result.Errors);
        Assert.Equal((line, field), (error.Line, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Null(result.Kraftfile?.Farm.Smoke.Http);
    }

    [Fact]
    public void Parse_HttpNotAMap_IsAnError()
    {
        var result = new KraftfileParser().Parse(Head.TrimEnd('\n') + " 8080\n", "Kraftfile", "/tmp/app");

        Assert.Contains(result.Errors, e => e.Field == "x-farm.smoke.http");
    }
}

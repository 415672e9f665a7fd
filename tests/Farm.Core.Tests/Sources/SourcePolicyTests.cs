using Farm.Core.Sources;

namespace Farm.Core.Tests.Sources;

/// <summary>The allow-list of git URLs and the versions handed to git: what an attacker writes in source.git or a Kraftfile.</summary>
public sealed class SourcePolicyTests
{
    [Theory]
    [InlineData("https://github.com/unikraft/unikraft.git")]
    [InlineData("ssh://git@github.com/org/app.git")]
    [InlineData("git@github.com:org/app.git")]
    public void WhyNotAllowed_DefaultPolicyAndARemoteUrl_Allows(string url) =>
        Assert.Null(new SourcePolicy().WhyNotAllowed(url));

    [Theory]
    [InlineData("file:///etc/repo")]
    [InlineData("/srv/git/repo")]
    [InlineData("../repo")]
    [InlineData("http://example.invalid/repo.git")]
    [InlineData("git://example.invalid/repo.git")]
    public void WhyNotAllowed_DefaultPolicyAndALocalOrPlainUrl_NamesTheUrlAndTheAllowList(string url) =>
        Assert.Equal($"'{url}' is not allowed by Farm__Sources__Allow (allowed: https://*, ssh://*, git@*)", new SourcePolicy().WhyNotAllowed(url));

    [Theory]
    [InlineData("--upload-pack=touch /tmp/pwned", "starts with '-'")]
    [InlineData("-ccore.sshCommand=touch /tmp/pwned", "starts with '-'")]
    [InlineData("ext::sh -c touch% /tmp/pwned", "spaces or control characters")]
    [InlineData("ext::sh", "remote helper")]
    [InlineData("fd::3", "remote helper")]
    [InlineData("https::example.invalid/x", "remote helper")]
    [InlineData("ssh://-oProxyCommand=touch/x", "host starting with '-'")]
    [InlineData("https://example.invalid/x\n--upload-pack=y", "spaces or control characters")]
    public void WhyNotAllowed_GitOptionOrHelperSyntax_IsRefusedWhateverTheAllowList(string url, string reason)
    {
        var everything = new SourcePolicy(["*"]);

        Assert.Contains(reason, everything.WhyNotAllowed(url), StringComparison.Ordinal);
    }

    [Fact]
    public void WhyNotAllowed_ConfiguredPatterns_ReplaceTheDefault()
    {
        var policy = new SourcePolicy(["https://github.com/unikraft/*", "file:///srv/mirrors/*"]);

        Assert.Null(policy.WhyNotAllowed("https://github.com/unikraft/lib-lwip.git"));
        Assert.Null(policy.WhyNotAllowed("file:///srv/mirrors/unikraft.git"));
        Assert.NotNull(policy.WhyNotAllowed("https://github.com/attacker/unikraft.git"));
        Assert.NotNull(policy.WhyNotAllowed("file:///etc/passwd"));
        Assert.Equal(["file", "https"], policy.Protocols);
    }

    [Fact]
    public void Protocols_Default_AreHttpsAndSshOnly() =>
        Assert.Equal(["https", "ssh"], new SourcePolicy().Protocols);

    [Theory]
    [InlineData("--upload-pack=touch /tmp/pwned", "starts with '-'")]
    [InlineData("-c", "starts with '-'")]
    [InlineData("main..evil", "'..'")]
    [InlineData("main branch", "spaces or control characters")]
    [InlineData("main\u0001", "spaces or control characters")]
    [InlineData("HEAD@{1}", "'@{'")]
    [InlineData("HEAD~1", "revision syntax")]
    public void WhyNotAVersion_OptionOrRevisionSyntax_IsRefused(string version, string reason) =>
        Assert.Contains(reason, SourcePolicy.WhyNotAVersion(version), StringComparison.Ordinal);

    [Theory]
    [InlineData("main")]
    [InlineData("v0.17.0")]
    [InlineData("release/0.17")]
    [InlineData("0123456789abcdef0123456789abcdef01234567")]
    public void WhyNotAVersion_BranchTagOrCommit_Allows(string version) =>
        Assert.Null(SourcePolicy.WhyNotAVersion(version));
}

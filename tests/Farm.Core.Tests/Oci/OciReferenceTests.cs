using Farm.Core.Oci;

namespace Farm.Core.Tests.Oci;

/// <summary>References are validated before any request: the registry itself answers bad ones with 500s.</summary>
public sealed class OciReferenceTests
{
    [Theory]
    [InlineData("127.0.0.1:5000/app:v1", "127.0.0.1:5000", "app", "v1")]
    [InlineData("localhost:5000/team/app", "localhost:5000", "team/app", "latest")]
    [InlineData("ghcr.io/org/app-x:1.0.0_rc", "ghcr.io", "org/app-x", "1.0.0_rc")]
    public void Parse_RegistryReference_GivesHostRepositoryAndTag(string text, string registry, string repository, string tag)
    {
        var reference = OciReference.Parse(text);

        Assert.Equal((registry, repository, tag, false), (reference.Registry, reference.Repository, reference.Tag, reference.IsLayout));
        Assert.Equal($"{registry}/{repository}", reference.Identity);
    }

    [Fact]
    public void Parse_Digest_IsTheSelector()
    {
        var digest = "sha256:" + new string('a', 64);

        var reference = OciReference.Parse($"127.0.0.1:5000/app@{digest}");

        Assert.Equal(digest, reference.Selector);
        Assert.Null(reference.Tag);
    }

    [Fact]
    public void Parse_Layout_TakesDirectoryAndTag()
    {
        var reference = OciReference.Parse("oci:/tmp/out/image:v2");

        Assert.True(reference.IsLayout);
        Assert.Equal(("/tmp/out/image", "v2"), (reference.LayoutDirectory, reference.Tag));
    }

    [Theory]
    [InlineData("app:v1", "name the registry")]
    [InlineData("127.0.0.1:5000/App:v1", "not a valid repository name")]
    [InlineData("127.0.0.1:5000/app:a:b", "not a valid repository name")]
    [InlineData("127.0.0.1:5000/app:-bad", "not a valid tag")]
    [InlineData("127.0.0.1:5000/app:" + "t12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678", "not a valid tag")]
    [InlineData("127.0.0.1:5000/app@sha256:abc", "not a digest")]
    [InlineData("oci:", "name the layout directory")]
    public void Parse_Invalid_SaysWhatIsWrong(string text, string message)
    {
        Assert.False(OciReference.TryParse(text, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_RejectsUpperCaseAndShortHex()
    {
        Assert.False(Digest.TryParse("sha256:" + new string('A', 64), out _));
        Assert.False(Digest.TryParse("sha256:abcd", out _));
        Assert.Equal("sha256-" + new string('b', 64), Digest.Parse("sha256:" + new string('b', 64)).TagForm);
    }
}

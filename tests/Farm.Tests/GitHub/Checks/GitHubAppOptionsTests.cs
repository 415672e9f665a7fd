using System.Security.Cryptography;
using Farm.GitHub.Checks;
using Microsoft.Extensions.Configuration;

namespace Farm.Tests.GitHub.Checks;

public sealed class GitHubAppOptionsTests : IDisposable
{
    private readonly TestAppKey _key = new();

    public void Dispose() => _key.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Validate_NumericAppIdAndAnRsaKeyPkcs1OrPkcs8_NoProblems(bool pkcs8)
    {
        using var key = new TestAppKey(pkcs8);

        var problems = new GitHubAppOptions { AppId = "123456", PrivateKeyFile = key.PrivateKeyFile }.Validate();

        Assert.Empty(problems);
    }

    [Fact]
    public void Bind_FromTheEnvironmentVariablesSection_ReadsEverySetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Farm__GitHub__App__AppId etc., as the environment provider maps them.
            ["Farm:GitHub:App:AppId"] = "42",
            ["Farm:GitHub:App:PrivateKeyFile"] = _key.PrivateKeyFile,
            ["Farm:GitHub:App:ApiBaseUrl"] = "https://ghe.example/api/v3/",
        }).Build();

        var options = configuration.GetSection(GitHubAppOptions.SectionName).Get<GitHubAppOptions>()!;

        Assert.Equal(42, options.ParsedAppId);
        Assert.Equal(_key.PrivateKeyFile, options.PrivateKeyFile);
        Assert.Equal(new Uri("https://ghe.example/api/v3/"), options.ApiBaseUri);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void ApiBaseUrl_NotSet_IsGitHubCom()
    {
        var options = new GitHubAppOptions();

        Assert.Equal(new Uri("https://api.github.com/"), options.ApiBaseUri);
        Assert.False(options.IsConfigured);
    }

    [Fact]
    public void ApiBaseUri_WithoutTrailingSlash_GetsOneSoTheLastSegmentIsKept()
    {
        var options = new GitHubAppOptions { ApiBaseUrl = "https://ghe.example/api/v3" };

        Assert.Equal("https://ghe.example/api/v3/repos/o/r", new Uri(options.ApiBaseUri, "repos/o/r").AbsoluteUri);
    }

    [Fact]
    public void Validate_NothingSet_NamesTheAppIdAndTheKeyFileVariables()
    {
        var problems = new GitHubAppOptions().Validate();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Farm__GitHub__App__AppId is not set", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Farm__GitHub__App__PrivateKeyFile is not set", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("my-app")]
    [InlineData("12a")]
    [InlineData("-5")]
    [InlineData("0")]
    public void Validate_AppIdNotAPositiveNumber_NamesTheVariableAndTheValue(string appId)
    {
        var problem = Assert.Single(new GitHubAppOptions { AppId = appId, PrivateKeyFile = _key.PrivateKeyFile }.Validate());

        Assert.StartsWith("Farm__GitHub__App__AppId:", problem, StringComparison.Ordinal);
        Assert.Contains($"'{appId}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyFileMissing_NamesTheVariableAndThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-key-{Guid.NewGuid():N}.pem");

        var problem = Assert.Single(new GitHubAppOptions { AppId = "1", PrivateKeyFile = missing }.Validate());

        Assert.Equal($"Farm__GitHub__App__PrivateKeyFile: {missing} does not exist", problem);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("ec-key")]
    [InlineData("rsa-public-key")]
    [InlineData("empty")]
    public void Validate_KeyFileHoldsNoRsaPrivateKey_NamesTheVariableAndThePath(string kind)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var contents = kind switch
        {
            "garbage" => "this is not a key\n",
            "ec-key" => ec.ExportPkcs8PrivateKeyPem(),
            "rsa-public-key" => _key.PublicKey.ExportSubjectPublicKeyInfoPem(),
            _ => "",
        };
        var path = _key.WriteFile($"{kind}.pem", contents);

        var problem = Assert.Single(new GitHubAppOptions { AppId = "1", PrivateKeyFile = path }.Validate());

        Assert.StartsWith($"Farm__GitHub__App__PrivateKeyFile: {path} holds no RSA private key", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("/api/v3/")]
    [InlineData("ftp://ghe.example/api/v3/")]
    [InlineData("https://ghe.example/api/v3/?per_page=1")]
    public void Validate_ApiBaseUrlNotAnHttpUrl_NamesTheVariableAndTheValue(string url)
    {
        var problem = Assert.Single(new GitHubAppOptions { AppId = "1", PrivateKeyFile = _key.PrivateKeyFile, ApiBaseUrl = url }.Validate());

        Assert.StartsWith($"Farm__GitHub__App__ApiBaseUrl: '{url}'", problem, StringComparison.Ordinal);
    }
}

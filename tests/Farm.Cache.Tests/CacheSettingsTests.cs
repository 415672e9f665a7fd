using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests;

public sealed class CacheSettingsTests
{
    [Fact]
    public void FromEnvironment_NothingSet_DisabledTrustedWritable()
    {
        var settings = TestSettings.FromVariables();

        Assert.False(settings.Enabled);
        Assert.Equal(CacheSettings.DefaultMaxSize, settings.MaxSizeBytes);
        Assert.True(settings.Scope.Trusted);
        Assert.False(settings.ReadOnly);
        Assert.Null(settings.Redis);
        Assert.Null(settings.PrefixMap);
    }

    [Fact]
    public void FromEnvironment_EveryVariable_IsRead()
    {
        var settings = TestSettings.FromVariables(
            ("FARM_CACHE_DIR", "/var/cache/farm"),
            ("FARM_CACHE_MAX_SIZE", "1048576"),
            ("FARM_CACHE_REDIS", "127.0.0.1:6379"),
            ("FARM_CACHE_REGISTRY", "127.0.0.1:5000/cache"),
            ("FARM_CACHE_SCOPE", "pr-42"),
            ("FARM_CACHE_READONLY", "1"),
            ("FARM_CACHE_PREFIX_MAP", "/w/src=/farm/app"));

        Assert.True(settings.Enabled);
        Assert.Equal("/var/cache/farm", settings.Directory);
        Assert.Equal(1048576, settings.MaxSizeBytes);
        Assert.Equal("127.0.0.1:6379", settings.Redis);
        Assert.Equal("127.0.0.1:5000/cache", settings.Registry);
        Assert.Equal("untrusted-pr-42", settings.Scope.WriteScope);
        Assert.True(settings.ReadOnly);
        Assert.Equal("/w/src=/farm/app", settings.PrefixMap);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("", false)]
    public void FromEnvironment_ReadOnly_OnlyOneOrTrue(string value, bool expected) =>
        Assert.Equal(expected, TestSettings.FromVariables(("FARM_CACHE_READONLY", value)).ReadOnly);

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("5G")]
    [InlineData("")]
    public void FromEnvironment_MaxSizeNotAPositiveNumber_IsTheDefault(string value) =>
        Assert.Equal(CacheSettings.DefaultMaxSize, TestSettings.FromVariables(("FARM_CACHE_MAX_SIZE", value)).MaxSizeBytes);

    [Fact]
    public void FromEnvironment_EmptyDirectory_IsDisabled() =>
        Assert.False(TestSettings.FromVariables(("FARM_CACHE_DIR", "")).Enabled);
}

using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Signing;

public sealed class CosignPayloadTests
{
    private static readonly Digest Hello = Digest.Parse("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");

    [Fact]
    public void ToBytes_KnownInput_IsCosignsExactForm()
    {
        var bytes = new CosignPayload("127.0.0.1:5000/apps/hello", Hello).ToBytes();

        Assert.Equal(
            "{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:5000/apps/hello\"},\"image\":{\"docker-manifest-digest\":\"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
            Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void TryParse_OwnBytes_GivesIdentityAndDigestBack()
    {
        var payload = new CosignPayload("localhost:5000/hello", Hello);

        Assert.True(CosignPayload.TryParse(payload.ToBytes(), out var parsed, out var error), error);
        Assert.Equal(payload, parsed);
    }

    [Fact]
    public void TryParse_OptionalObject_IsAccepted()
    {
        var json = Json("\"optional\":{\"creator\":\"farm\"}");

        Assert.True(CosignPayload.TryParse(json, out var parsed, out var error), error);
        Assert.Equal("r/hello", parsed.Identity);
    }

    [Theory]
    [InlineData("{\"critical\":{\"identity\":{\"docker-reference\":\"r/hello\"},\"image\":{\"docker-manifest-digest\":\"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},\"type\":\"cosign container image signature\"}}", "no 'optional'")]
    [InlineData("{\"critical\":{\"identity\":{\"docker-reference\":\"r/hello\"},\"image\":{\"Docker-manifest-digest\":\"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},\"type\":\"cosign container image signature\"},\"optional\":null}", "the key is all lower-case")]
    [InlineData("{\"critical\":{\"identity\":{\"docker-reference\":\"r/hello\"},\"image\":{\"docker-manifest-digest\":\"sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824\"},\"type\":\"cosign container image signature\"},\"optional\":null}", "64 lower-case hex digits")]
    [InlineData("{\"critical\":{\"identity\":{\"docker-reference\":\"r/hello\"},\"image\":{\"docker-manifest-digest\":\"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},\"type\":\"atomic container signature\"},\"optional\":null}", "payload type is 'atomic container signature'")]
    [InlineData("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},\"type\":\"cosign container image signature\"},\"optional\":null}", "no critical.identity.docker-reference")]
    [InlineData("{\"optional\":null}", "no 'critical' object")]
    [InlineData("not json", "not valid JSON")]
    public void TryParse_InvalidPayload_SaysWhy(string json, string reason)
    {
        Assert.False(CosignPayload.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_DuplicateKey_IsRefused()
    {
        // Two readers could otherwise disagree on which identity was signed.
        var json = Json("\"optional\":null", identity: "\"docker-reference\":\"r/hello\",\"docker-reference\":\"evil/hello\"");

        Assert.False(CosignPayload.TryParse(json, out _, out var error));
        Assert.Contains("not valid JSON", error, StringComparison.Ordinal);
    }

    private static byte[] Json(string optional, string identity = "\"docker-reference\":\"r/hello\"") => Encoding.UTF8.GetBytes(
        $"{{\"critical\":{{\"identity\":{{{identity}}},\"image\":{{\"docker-manifest-digest\":\"{Hello}\"}},\"type\":\"cosign container image signature\"}},{optional}}}");
}

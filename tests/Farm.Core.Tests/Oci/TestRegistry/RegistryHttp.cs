using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>The plain-HttpClient registry calls the test-registry tests make, written as oci.md §2 describes them.</summary>
internal static class RegistryHttp
{
    public static string DigestOf(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary><c>POST /v2/NAME/blobs/uploads/</c>; the answer (202 with an absolute Location) is the caller's to check.</summary>
    public static Task<HttpResponseMessage> StartUploadAsync(HttpClient http, Uri baseUrl, string repository, CancellationToken ct) =>
        http.PostAsync(new Uri(baseUrl, $"/v2/{repository}/blobs/uploads/"), content: null, ct);

    /// <summary>A monolithic upload: POST, then <c>PUT Location&amp;digest=</c> with the whole blob. Returns the digest.</summary>
    public static async Task<string> PushBlobAsync(HttpClient http, Uri baseUrl, string repository, byte[] content, CancellationToken ct)
    {
        using var started = await StartUploadAsync(http, baseUrl, repository, ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location ?? throw new InvalidOperationException("202 without Location");
        var digest = DigestOf(content);
        // Keep the registry's ?_state= query and append the digest to it.
        var put = new Uri(new Uri(baseUrl, location) + "&digest=" + Uri.EscapeDataString(digest));
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var finished = await http.PutAsync(put, body, ct);
        Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
        return digest;
    }

    public static Task<HttpResponseMessage> HeadBlobAsync(HttpClient http, Uri baseUrl, string repository, string digest, CancellationToken ct)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, new Uri(baseUrl, $"/v2/{repository}/blobs/{digest}"));
        return http.SendAsync(head, ct);
    }
}

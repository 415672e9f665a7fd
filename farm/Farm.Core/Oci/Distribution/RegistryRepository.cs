using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// One repository of a registry, spoken to as the OCI distribution spec and the real registry
/// (<c>reference/oci.md</c> §2) require: uploads through an upload session (monolithic PUT, or PATCH chunks with
/// offsets tracked here because the registry ignores Content-Range), cross-repository mounts, manifests with an
/// explicit Accept and a Content-Type equal to their media type, and every read verified against its digest.
/// </summary>
public sealed partial class RegistryRepository : IOciRepository
{
    private const string OctetStream = "application/octet-stream";

    // StreamContent's default 4 KiB buffer makes a 64 MiB upload 16,000 socket writes; 1 MiB keeps it to 64.
    private const int UploadBufferSize = 1 << 20;
    private readonly RegistryClient _client;

    public RegistryRepository(RegistryClient client, string repository)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!OciReference.IsValidRepository(repository, out var error))
        {
            throw new ArgumentException(error, nameof(repository));
        }

        _client = client;
        Repository = repository;
    }

    public string Repository { get; }

    public string Name => $"{_client.Host}/{Repository}";

    private string PullScope => $"repository:{Repository}:pull";

    private string PushScope => $"repository:{Repository}:pull,push";

    public Task<bool> BlobExistsAsync(Digest digest, CancellationToken cancellationToken) =>
        _client.RunAsync(
            async ct =>
            {
                using var response = await SendAsync(HttpMethod.Head, $"blobs/{digest}", PullScope, ct).ConfigureAwait(false);
                return response.StatusCode switch
                {
                    HttpStatusCode.OK => true,
                    HttpStatusCode.NotFound => false,
                    _ => throw await Fail(response, $"check blob {digest}", ct).ConfigureAwait(false),
                };
            },
            cancellationToken);

    public Task<bool> PushBlobAsync(BlobSource blob, CancellationToken cancellationToken) => PushBlobAsync(blob, mountFrom: null, cancellationToken);

    /// <summary>
    /// Pushes a blob unless the repository has it. With <paramref name="mountFrom"/> (another repository of the same
    /// registry), asks the registry to mount it from there first; an upload follows only if the mount is refused.
    /// </summary>
    public Task<bool> PushBlobAsync(BlobSource blob, string? mountFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return _client.RunAsync(
            async ct =>
            {
                var uploaded = await PushOnceAsync(blob, mountFrom, ct).ConfigureAwait(false);
                if (uploaded)
                {
                    RegistryMeter.Pushed(blob.Size, "blob");
                }

                return uploaded;
            },
            cancellationToken);
    }

    public async Task<byte[]> GetBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await CopyBlobToAsync(digest, buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public Task CopyBlobToAsync(Digest digest, Stream destination, CancellationToken cancellationToken) =>
        _client.RunAsync(
            async ct =>
            {
                if (destination.CanSeek)
                {
                    destination.SetLength(0);
                }

                using var response = await SendAsync(HttpMethod.Get, $"blobs/{digest}", PullScope, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw await Fail(response, $"get blob {digest}", ct).ConfigureAwait(false);
                }

                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                var chunk = new byte[UploadBufferSize];
                int read;
                while ((read = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(chunk, 0, read);
                    await destination.WriteAsync(chunk.AsMemory(0, read), ct).ConfigureAwait(false);
                }

                var actual = Digest.FromHash(hash.GetHashAndReset());
                return actual == digest
                    ? true
                    : throw new RegistryException($"{Name}: the registry sent content for blob {digest} that hashes to {actual}; refusing it");
            },
            cancellationToken);

    public Task<FetchedManifest?> TryGetManifestAsync(string tagOrDigest, CancellationToken cancellationToken)
    {
        ValidateSelector(tagOrDigest);
        return _client.RunAsync(
            async ct =>
            {
                using var response = await SendAsync(HttpMethod.Get, $"manifests/{tagOrDigest}", PullScope, ct, accept: MediaTypes.Manifests).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await Fail(response, $"get manifest {tagOrDigest}", ct).ConfigureAwait(false);
                }

                var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                var digest = Digest.Of(bytes);
                var claimed = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
                if ((Digest.TryParse(tagOrDigest, out var wanted) && wanted != digest) || (claimed is not null && claimed != digest.Value))
                {
                    throw new RegistryException($"{Name}: the manifest served for {tagOrDigest} hashes to {digest}, not {(claimed ?? tagOrDigest)}; refusing it");
                }

                var mediaType = response.Content.Headers.ContentType?.MediaType is { Length: > 0 } type && type != OctetStream
                    ? type
                    : OciJson.MediaTypeOf(bytes) ?? MediaTypes.ImageManifest;
                return (FetchedManifest?)new FetchedManifest(mediaType, bytes, digest);
            },
            cancellationToken);
    }

    public async Task<Digest> PutManifestAsync(byte[] bytes, string mediaType, string? tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (tag is not null && !OciReference.IsValidTag(tag, out var error))
        {
            throw new ArgumentException(error, nameof(tag));
        }

        // By digest first, then the tag: a reader of the tag never finds a manifest the registry does not have whole.
        var digest = Digest.Of(bytes);
        await PutManifestAtAsync(bytes, mediaType, digest.Value, digest, cancellationToken).ConfigureAwait(false);
        if (tag is not null)
        {
            await PutManifestAtAsync(bytes, mediaType, tag, digest, cancellationToken).ConfigureAwait(false);
        }

        return digest;
    }

    public Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken) =>
        _client.RunAsync<IReadOnlyList<string>>(
            async ct =>
            {
                var tags = new List<string>();
                string? next = "tags/list";
                while (next is not null)
                {
                    using var response = await SendAsync(HttpMethod.Get, next, PullScope, ct).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.NotFound)
                    {
                        return tags;
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        throw await Fail(response, "list tags", ct).ConfigureAwait(false);
                    }

                    using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
                    if (json.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                    {
                        tags.AddRange(list.EnumerateArray().Select(t => t.GetString()).OfType<string>());
                    }

                    next = NextPage(response);
                }

                return tags;
            },
            cancellationToken);

    public Task DeleteManifestAsync(Digest digest, CancellationToken cancellationToken) =>
        _client.RunAsync(
            async ct =>
            {
                using var response = await SendAsync(HttpMethod.Delete, $"manifests/{digest}", PushScope, ct).ConfigureAwait(false);
                return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound
                    ? true
                    : throw await Fail(response, $"delete manifest {digest}", ct).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// The manifests that name <paramref name="subject"/> as their subject: through the OCI 1.1 referrers API, or,
    /// where the registry has none (distribution 2.8 answers 404), the fallback index at tag <c>sha256-&lt;hex&gt;</c>.
    /// </summary>
    public async Task<IReadOnlyList<Descriptor>> GetReferrersAsync(Digest subject, CancellationToken cancellationToken)
    {
        var viaApi = await _client.RunAsync(
            async ct =>
            {
                using var response = await SendAsync(HttpMethod.Get, $"referrers/{subject}", PullScope, ct, accept: [MediaTypes.ImageIndex]).ConfigureAwait(false);
                return response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == MediaTypes.ImageIndex
                    ? ImageIndex.Parse(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false)).Manifests
                    : null;
            },
            cancellationToken).ConfigureAwait(false);
        return viaApi ?? await Referrers.ReadFallbackAsync(this, subject, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ExistsOnceAsync(Digest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Head, $"blobs/{digest}", PullScope, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK || (response.StatusCode == HttpStatusCode.NotFound
            ? false
            : throw await Fail(response, $"check blob {digest}", cancellationToken).ConfigureAwait(false));
    }

    // By digest the PUT is idempotent and retried; a tag's is repeated only after the registry refused it.
    private Task<bool> PutManifestAtAsync(byte[] bytes, string mediaType, string selector, Digest digest, CancellationToken cancellationToken)
    {
        async Task<bool> PutAsync(CancellationToken ct)
        {
            using var response = await SendAsync(
                () =>
                {
                    var content = new ByteArrayContent(bytes);
                    content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                    return new HttpRequestMessage(HttpMethod.Put, Url($"manifests/{selector}")) { Content = content };
                },
                PushScope,
                ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw await Fail(response, $"put manifest {selector}", ct).ConfigureAwait(false);
            }

            RegistryMeter.Pushed(bytes.Length, "manifest");
            var stored = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
            return stored is null || stored == digest.Value
                ? true
                : throw new RegistryException($"{Name}: the registry stored manifest {selector} as {stored}, but its bytes hash to {digest}");
        }

        return selector == digest.Value ? _client.RunAsync(PutAsync, cancellationToken) : _client.RunNonIdempotentAsync(PutAsync, cancellationToken);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string scope, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, IReadOnlyList<string>? accept = null) =>
        SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(method, Url(path));
                foreach (var type in accept ?? [])
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }

                return request;
            },
            scope,
            cancellationToken,
            completion);

    private Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string scope, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        _client.SendAsync(create, scope, completion, cancellationToken);

    private Uri Url(string path) => new(_client.BaseUri, $"v2/{Repository}/{path}");

    private string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var start = link.IndexOf('<', StringComparison.Ordinal);
            var end = link.IndexOf('>', StringComparison.Ordinal);
            if (start >= 0 && end > start && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                var target = link[(start + 1)..end];
                var prefix = $"/v2/{Repository}/";
                return target.StartsWith(prefix, StringComparison.Ordinal) ? target[prefix.Length..] : null;
            }
        }

        return null;
    }

    private Task<RegistryException> Fail(HttpResponseMessage response, string operation, CancellationToken cancellationToken) =>
        RegistryErrors.FromResponseAsync(response, Name, operation, cancellationToken);

    private static void ValidateSelector(string tagOrDigest)
    {
        if (!Digest.TryParse(tagOrDigest, out _) && !OciReference.IsValidTag(tagOrDigest, out var error))
        {
            throw new ArgumentException(error, nameof(tagOrDigest));
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// Manifests, tags and referrers: reads with an explicit Accept of every manifest type, verified against the digest
/// asked for (or the one the registry names); writes with a Content-Type equal to the media type; tag lists followed
/// through their Link pages.
/// </summary>
public sealed partial class RegistryRepository
{
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

    private static void ValidateSelector(string tagOrDigest)
    {
        if (!Digest.TryParse(tagOrDigest, out _) && !OciReference.IsValidTag(tagOrDigest, out var error))
        {
            throw new ArgumentException(error, nameof(tagOrDigest));
        }
    }
}

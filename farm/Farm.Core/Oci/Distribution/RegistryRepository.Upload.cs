using System.Net;
using System.Net.Http.Headers;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// Blob uploads: an upload session (or a cross-repository mount), then one monolithic PUT that streams the
/// content through a hash check, or PATCH chunks with offsets tracked here (the registry ignores Content-Range)
/// and a closing PUT. The whole sequence is one retried operation: a dropped connection starts a new session.
/// </summary>
public sealed partial class RegistryRepository
{
    /// <summary>
    /// Asks the registry to mount the blob from <paramref name="source"/> when that is another repository of this same
    /// registry: one request, no bytes. When the registry declines it opens an upload session instead, which is
    /// cancelled here (the caller uploads by its own path).
    /// </summary>
    public Task<bool> TryMountBlobAsync(Digest digest, IOciRepository source, CancellationToken cancellationToken)
    {
        if (source is not RegistryRepository from || from.Repository == Repository || !string.Equals(from._client.Host, _client.Host, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(false);
        }

        return _client.RunAsync(
            async ct =>
            {
                using var response = await SendAsync(HttpMethod.Post, $"blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(from.Repository)}", $"{PushScope} repository:{from.Repository}:pull", ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    return true;
                }

                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw await Fail(response, $"mount {digest} from {from.Repository}", ct).ConfigureAwait(false);
                }

                var session = Location(response);
                using var cancel = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, session), PushScope, ct).ConfigureAwait(false);
                return false;
            },
            cancellationToken);
    }

    private async Task<bool> PushOnceAsync(BlobSource blob, string? mountFrom, CancellationToken cancellationToken)
    {
        if (await ExistsOnceAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var start = mountFrom is null ? "blobs/uploads/" : $"blobs/uploads/?mount={blob.Digest}&from={Uri.EscapeDataString(mountFrom)}";
        var scope = mountFrom is null ? PushScope : $"{PushScope} repository:{mountFrom}:pull";
        Uri location;
        using (var response = await SendAsync(HttpMethod.Post, start, scope, cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode == HttpStatusCode.Created && mountFrom is not null)
            {
                return false;
            }

            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw await Fail(response, $"start upload of {blob.Digest}", cancellationToken).ConfigureAwait(false);
            }

            location = Location(response);
        }

        if (blob.Size > _client.Options.ChunkedUploadThreshold)
        {
            location = await UploadChunksAsync(blob, location, cancellationToken).ConfigureAwait(false);
            using var finish = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest)), PushScope, cancellationToken).ConfigureAwait(false);
            return finish.StatusCode == HttpStatusCode.Created ? true : throw await Fail(finish, $"finish upload of {blob.Digest}", cancellationToken).ConfigureAwait(false);
        }

        using var put = await SendAsync(
            () =>
            {
                var content = new StreamContent(new HashCheckingStream(blob.Open(), blob.Digest, blob.Size), UploadBufferSize);
                content.Headers.ContentType = new MediaTypeHeaderValue(OctetStream);
                content.Headers.ContentLength = blob.Size;
                return new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest)) { Content = content };
            },
            PushScope,
            cancellationToken).ConfigureAwait(false);
        return put.StatusCode == HttpStatusCode.Created ? true : throw await Fail(put, $"upload {blob.Digest}", cancellationToken).ConfigureAwait(false);
    }

    // Each chunk streams from the source at its offset (nothing held in memory), hashed as it goes; the closing PUT
    // is sent only when every byte arrived and matches the digest. The registry appends chunks in arrival order and
    // ignores Content-Range (reference/oci.md), so chunks of one upload go one after another, never in parallel.
    private async Task<Uri> UploadChunksAsync(BlobSource blob, Uri location, CancellationToken cancellationToken)
    {
        using var hash = new UploadHash();
        long offset = 0;
        while (offset < blob.Size)
        {
            var start = offset;
            var length = Math.Min(_client.Options.ChunkSize, blob.Size - offset);
            var range = $"{start}-{start + length - 1}";
            var current = location;
            using var response = await SendAsync(
                () =>
                {
                    var content = new StreamContent(new UploadChunkStream(blob, start, length, hash), UploadBufferSize);
                    content.Headers.ContentType = new MediaTypeHeaderValue(OctetStream);
                    content.Headers.ContentLength = length;
                    var request = new HttpRequestMessage(HttpMethod.Patch, current) { Content = content };
                    request.Content.Headers.TryAddWithoutValidation("Content-Range", range);
                    return request;
                },
                PushScope,
                cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw await Fail(response, $"upload chunk {range} of {blob.Digest}", cancellationToken).ConfigureAwait(false);
            }

            location = Location(response);
            offset += length;
        }

        var actual = hash.Digest();
        if (actual != blob.Digest || hash.Length != blob.Size)
        {
            throw new OciFormatException($"the content pushed as {blob.Digest} ({blob.Size} bytes) is {actual} ({hash.Length} bytes); the upload was not finished");
        }

        return location;
    }

    private Uri Location(HttpResponseMessage response) =>
        response.Headers.Location is { } location
            ? (location.IsAbsoluteUri ? location : new Uri(_client.BaseUri, location))
            : throw new RegistryException($"{Name}: the registry opened an upload without a Location");

    private static Uri WithDigest(Uri location, Digest digest) =>
        new(location + (string.IsNullOrEmpty(location.Query) ? "?" : "&") + "digest=" + Uri.EscapeDataString(digest.Value));
}

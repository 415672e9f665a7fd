using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// Blob uploads: an upload session (or a cross-repository mount), then one monolithic PUT that streams the
/// content through a hash check, or PATCH chunks with offsets tracked here (the registry ignores Content-Range)
/// and a closing PUT. The whole sequence is one retried operation: a dropped connection starts a new session.
/// </summary>
public sealed partial class RegistryRepository
{
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

    private async Task<Uri> UploadChunksAsync(BlobSource blob, Uri location, CancellationToken cancellationToken)
    {
        await using var source = blob.Open();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[_client.Options.ChunkSize];
        long offset = 0;
        while (true)
        {
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += read;
            }

            if (filled == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, filled);
            var chunk = buffer[..filled];
            var range = $"{offset}-{offset + filled - 1}";
            var current = location;
            using var response = await SendAsync(
                () =>
                {
                    var content = new ByteArrayContent(chunk);
                    content.Headers.ContentType = new MediaTypeHeaderValue(OctetStream);
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
            offset += filled;
        }

        var actual = Digest.FromHash(hash.GetHashAndReset());
        if (actual != blob.Digest || offset != blob.Size)
        {
            throw new OciFormatException($"the content pushed as {blob.Digest} ({blob.Size} bytes) is {actual} ({offset} bytes); the upload was not finished");
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

using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// One repository of a registry, spoken to as the OCI distribution spec and the real registry
/// (<c>reference/oci.md</c> §2) require: uploads through an upload session (monolithic PUT, or PATCH chunks with
/// offsets tracked here because the registry ignores Content-Range), cross-repository mounts, manifests with an
/// explicit Accept and a Content-Type equal to their media type, and every read verified against its digest.
/// </summary>
public sealed partial class RegistryRepository : IOciRepository, IBlobMountTarget
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

                // A destination that checks the digest itself (a layout's staging file) spares a second hash of every byte.
                using var hash = destination is IDigestCheckingDestination checking && checking.Expected == digest ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                var chunk = ArrayPool<byte>.Shared.Rent(UploadBufferSize);
                try
                {
                    int read;
                    while ((read = await body.ReadAsync(chunk.AsMemory(0, UploadBufferSize), ct).ConfigureAwait(false)) > 0)
                    {
                        hash?.AppendData(chunk, 0, read);
                        await destination.WriteAsync(chunk.AsMemory(0, read), ct).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }

                if (hash is null)
                {
                    return true;
                }

                var actual = Digest.FromHash(hash.GetHashAndReset());
                return actual == digest
                    ? true
                    : throw new RegistryException($"{Name}: the registry sent content for blob {digest} that hashes to {actual}; refusing it");
            },
            cancellationToken);

    private async Task<bool> ExistsOnceAsync(Digest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Head, $"blobs/{digest}", PullScope, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK || (response.StatusCode == HttpStatusCode.NotFound
            ? false
            : throw await Fail(response, $"check blob {digest}", cancellationToken).ConfigureAwait(false));
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

    private Task<RegistryException> Fail(HttpResponseMessage response, string operation, CancellationToken cancellationToken) =>
        RegistryErrors.FromResponseAsync(response, Name, operation, cancellationToken);
}

namespace Farm.Core.Oci.Distribution;

/// <summary>How to reach registries: plain HTTP (only for loopback), credentials, and the limits of every wait.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Allow plain HTTP. Refused for anything but a loopback address: credentials would travel in clear.</summary>
    public bool Insecure { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>A Docker <c>config.json</c> to take credentials from (default: <c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c>).</summary>
    public string? DockerConfigPath { get; init; }

    /// <summary>Tries of one idempotent operation (GET, HEAD, a PUT by digest, a whole blob upload); a tag's PUT is tried once.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The first retry's delay; each next one doubles, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Blobs larger than this are uploaded in chunks of <see cref="ChunkSize"/> (a monolithic PUT streams and is as fast;
    /// chunks bound what one request carries, for proxies that limit body sizes).
    /// </summary>
    public long ChunkedUploadThreshold { get; init; } = 256L << 20;

    public int ChunkSize { get; init; } = 64 << 20;

    /// <summary>
    /// One request, from sending it to its answer's last byte (a streamed blob read: to its headers). Long enough for a
    /// chunk (<see cref="ChunkSize"/>) at a few MB/s; a registry that accepted a request and stays silent costs this much.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>One operation with all its retries (and, for a streamed read, its whole body): past it the operation fails, whatever it waits on.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

namespace Farm.Core.Oci.Distribution;

/// <summary>How to reach registries: plain HTTP (only for loopback), credentials, and retry and chunking limits.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Allow plain HTTP. Refused for anything but a loopback address: credentials would travel in clear.</summary>
    public bool Insecure { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>A Docker <c>config.json</c> to take credentials from (default: <c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c>).</summary>
    public string? DockerConfigPath { get; init; }

    public int MaxAttempts { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Blobs larger than this are uploaded in chunks of <see cref="ChunkSize"/> (a monolithic PUT streams and is as fast;
    /// chunks bound what one request carries, for proxies that limit body sizes).
    /// </summary>
    public long ChunkedUploadThreshold { get; init; } = 256L << 20;

    public int ChunkSize { get; init; } = 64 << 20;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

namespace Farm.Worker.Rootfs;

/// <summary>Builds a Dockerfile, its directory as the context, into an OCI image layout the initrd is flattened from.</summary>
internal interface IDockerfileBuilder
{
    string Name { get; }

    /// <summary>Builds for <paramref name="platform"/> (<c>linux/amd64</c>); returns the layout directory and the manifest's digest or tag in it.</summary>
    /// <param name="plainHttpRegistries">Whether base images come from a registry over plain HTTP (this host's loopback).</param>
    Task<(string Layout, string Selector)> BuildAsync(string dockerfile, string platform, bool plainHttpRegistries, string work, Action<string> log, CancellationToken cancellationToken);
}

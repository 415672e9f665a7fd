using Farm.Core.IO;
using Farm.Core.Oci;
using Farm.Core.Processes;

namespace Farm.Worker.Rootfs;

/// <summary>
/// BuildKit's <c>buildctl</c> against the daemon at <see cref="Address"/> (<c>BUILDKIT_HOST</c>, as buildctl reads it):
/// the Dockerfile frontend, the Dockerfile's directory as both locals, and the OCI exporter's tarball, unpacked
/// safely into a layout.
/// </summary>
internal sealed class BuildKitDockerfileBuilder : IDockerfileBuilder
{
    public BuildKitDockerfileBuilder(string address) => Address = address;

    /// <summary>The configured daemon, or null: then buildah builds.</summary>
    public static BuildKitDockerfileBuilder? FromEnvironment() =>
        Environment.GetEnvironmentVariable("BUILDKIT_HOST") is { Length: > 0 } address ? new BuildKitDockerfileBuilder(address) : null;

    public string Address { get; }

    public string Name => $"buildctl ({Address})";

    /// <summary>
    /// buildctl's arguments: a build of <paramref name="dockerfile"/> for <paramref name="platform"/> into the OCI tarball
    /// <paramref name="destination"/>. Plain-HTTP registries are the daemon's setting (<c>buildkitd.toml</c>
    /// <c>[registry."HOST"] http = true</c>), not a per-build flag.
    /// </summary>
    public IReadOnlyList<string> Arguments(string dockerfile, string platform, string destination)
    {
        var context = Path.GetDirectoryName(Path.GetFullPath(dockerfile))!;
        List<string> arguments =
        [
            "--addr", Address, "build",
            "--frontend", "dockerfile.v0",
            "--local", $"context={context}",
            "--local", $"dockerfile={context}",
            "--opt", $"filename={Path.GetFileName(dockerfile)}",
            "--opt", $"platform={platform}",
            "--output", $"type=oci,dest={destination}",
        ];
        return arguments;
    }

    public async Task<(string Layout, string Selector)> BuildAsync(string dockerfile, string platform, bool plainHttpRegistries, string work, Action<string> log, CancellationToken cancellationToken)
    {
        if (ExecutableLocator.Find("buildctl") is not { } buildctl)
        {
            throw new RootfsException($"rootfs: BUILDKIT_HOST is {Address}, and building {dockerfile} with it needs buildctl, which is not installed");
        }

        var images = Path.Combine(work, "images");
        Directory.CreateDirectory(images);
        var tarball = Path.Combine(images, $"{Guid.NewGuid():N}.tar");
        var layout = Path.Combine(images, Guid.NewGuid().ToString("N"));
        try
        {
            var build = await ProcessRunner.RunAsync(
                new ProcessSpec(buildctl, Arguments(dockerfile, platform, tarball)) { WorkingDirectory = Path.GetDirectoryName(dockerfile) },
                line => log($"  buildctl| {line}"),
                TimeSpan.FromMinutes(30),
                cancellationToken).ConfigureAwait(false);
            if (!build.Succeeded || !File.Exists(tarball))
            {
                throw new RootfsException($"rootfs: building {dockerfile} with BuildKit at {Address} failed ({build.StartError ?? $"exit {build.ExitCode}"}); its output is in the build log");
            }

            Directory.CreateDirectory(layout);
            await using (var stream = File.OpenRead(tarball))
            {
                var report = SafeTarExtractor.Extract(stream, layout, allowLinksOutside: false, cancellationToken);
                if (report.Refused.Count > 0)
                {
                    throw new RootfsException($"rootfs: BuildKit's image of {dockerfile} has entries that were refused: {string.Join("; ", report.Refused.Select(r => $"{r.Path}: {r.Reason}"))}");
                }
            }

            // The exporter's index.json lists the one image it built.
            var index = ImageIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(layout, "index.json"), cancellationToken).ConfigureAwait(false));
            return index.Manifests.Count > 0
                ? (layout, index.Manifests[0].Digest.Value)
                : throw new RootfsException($"rootfs: BuildKit's image of {dockerfile} lists no manifest");
        }
        finally
        {
            File.Delete(tarball);
        }
    }
}

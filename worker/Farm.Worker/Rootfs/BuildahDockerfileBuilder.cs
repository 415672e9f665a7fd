using Farm.Worker.Processes;

namespace Farm.Worker.Rootfs;

/// <summary>
/// buildah, daemonless: <c>--storage-driver vfs --isolation chroot</c> works without a Docker engine or user namespaces.
/// The image is exported to an OCI layout and removed from buildah's storage.
/// </summary>
internal sealed class BuildahDockerfileBuilder : IDockerfileBuilder
{
    public string Name => "buildah";

    public async Task<(string Layout, string Selector)> BuildAsync(string dockerfile, string platform, bool plainHttpRegistries, string work, Action<string> log, CancellationToken cancellationToken)
    {
        if (ExecutableLocator.Find("buildah") is not { } buildah)
        {
            throw new RootfsException($"rootfs: {dockerfile} is a Dockerfile, and building it needs buildah (apt-get install buildah), which is not installed");
        }

        var storage = Path.Combine(work, "buildah");
        var layout = Path.Combine(work, "images", Guid.NewGuid().ToString("N"));
        var tag = $"localhost/farm-rootfs:{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.GetDirectoryName(layout)!);
        string[] common = ["--root", Path.Combine(storage, "root"), "--runroot", Path.Combine(storage, "run"), "--storage-driver", "vfs"];
        string[] tls = plainHttpRegistries ? ["--tls-verify=false"] : [];
        var build = await ProcessRunner.RunAsync(
            new ProcessSpec(buildah, [.. common, "bud", "--isolation", "chroot", "--layers=false", "--platform", platform, .. tls, "-f", dockerfile, "-t", tag, Path.GetDirectoryName(dockerfile)!])
            {
                WorkingDirectory = Path.GetDirectoryName(dockerfile),
                Environment = new Dictionary<string, string> { ["BUILDAH_ISOLATION"] = "chroot" },
            },
            line => log($"  buildah| {line}"),
            TimeSpan.FromMinutes(30),
            cancellationToken).ConfigureAwait(false);
        if (!build.Succeeded)
        {
            throw new RootfsException($"rootfs: building {dockerfile} with buildah failed ({build.StartError ?? $"exit {build.ExitCode}"}); its output is in the build log");
        }

        var last = string.Empty;
        var push = await ProcessRunner.RunAsync(new ProcessSpec(buildah, [.. common, "push", tag, $"oci:{layout}:rootfs"]), line => log($"  buildah| {last = line}"), TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunAsync(new ProcessSpec(buildah, [.. common, "rmi", tag]), _ => { }, TimeSpan.FromMinutes(1), CancellationToken.None).ConfigureAwait(false);
        return push.Succeeded ? (layout, "rootfs") : throw new RootfsException($"rootfs: exporting the image of {dockerfile} failed (exit {push.ExitCode}): {last}");
    }
}

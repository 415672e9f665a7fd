using Farm.Core.Processes;
using Farm.Worker.Sandboxing;

namespace Farm.Worker.Rootfs;

/// <summary>
/// buildah, daemonless: <c>--storage-driver vfs --isolation chroot</c> works without a Docker engine. The base
/// images are pulled first, by the worker (a pull runs no code of the Dockerfile's); then the Dockerfile is built
/// and exported to an OCI layout inside the build sandbox, with no network (<c>--pull=never</c>), the context
/// read-only and only buildah's private storage and the layout writable. buildah is root only in the sandbox's own
/// user namespace. With the sandbox off, it builds as before, pulling as it goes.
/// </summary>
internal sealed class BuildahDockerfileBuilder : IDockerfileBuilder
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);
    private readonly BuildSandbox _sandbox;

    public BuildahDockerfileBuilder(BuildSandbox? sandbox = null)
    {
        _sandbox = sandbox ?? BuildSandbox.Current;
    }

    public string Name => "buildah";

    public async Task<(string Layout, string Selector)> BuildAsync(string dockerfile, string platform, bool plainHttpRegistries, string work, Action<string> log, CancellationToken cancellationToken)
    {
        if (ExecutableLocator.Find("buildah") is not { } buildah)
        {
            throw new RootfsException($"rootfs: {dockerfile} is a Dockerfile, and building it needs buildah (apt-get install buildah), which is not installed");
        }

        // A private storage per build: what one Dockerfile's build leaves there is never another's base.
        var storage = Path.Combine(work, "buildah", Guid.NewGuid().ToString("N"));
        // Its own directory for the exported layout too: the sandbox may write only this build's.
        var layout = Path.Combine(work, "images", Guid.NewGuid().ToString("N"), "layout");
        var tag = $"localhost/farm-rootfs:{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.GetDirectoryName(layout)!);
        Directory.CreateDirectory(storage);
        string[] common = ["--root", Path.Combine(storage, "root"), "--runroot", Path.Combine(storage, "run"), "--storage-driver", "vfs"];
        string[] tls = plainHttpRegistries ? ["--tls-verify=false"] : [];
        var context = Path.GetDirectoryName(Path.GetFullPath(dockerfile))!;
        try
        {
            if (_sandbox.Enabled)
            {
                await PullBaseImagesAsync(buildah, common, tls, dockerfile, platform, log, cancellationToken).ConfigureAwait(false);
            }

            string[] pull = _sandbox.Enabled ? ["--pull=never"] : [.. tls];
            var build = await RunAsync(
                new ProcessSpec(buildah, [.. common, "bud", "--isolation", "chroot", "--layers=false", "--platform", platform, .. pull, "-f", Path.GetFullPath(dockerfile), "-t", tag, context]) { WorkingDirectory = context },
                storage,
                layout,
                context,
                line => log($"  buildah| {line}"),
                cancellationToken).ConfigureAwait(false);
            if (!build.Succeeded)
            {
                var why = build.LimitExceeded ?? build.StartError ?? (build.TimedOut ? $"did not finish within {BuildTimeout.TotalMinutes:0} minutes" : $"exit {build.ExitCode}");
                throw new RootfsException($"rootfs: building {dockerfile} with buildah failed ({why}); its output is in the build log");
            }

            var last = string.Empty;
            var push = await RunAsync(new ProcessSpec(buildah, [.. common, "push", tag, $"oci:{layout}:rootfs"]) { WorkingDirectory = storage }, storage, layout, context, line => log($"  buildah| {last = line}"), cancellationToken).ConfigureAwait(false);
            return push.Succeeded ? (layout, "rootfs") : throw new RootfsException($"rootfs: exporting the image of {dockerfile} failed (exit {push.ExitCode}): {last}");
        }
        finally
        {
            TryDelete(storage);
        }
    }

    /// <summary>Every named base image, into the private storage, before the sandboxed build (which has no network).</summary>
    private static async Task PullBaseImagesAsync(string buildah, string[] common, string[] tls, string dockerfile, string platform, Action<string> log, CancellationToken cancellationToken)
    {
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var text = await File.ReadAllTextAsync(dockerfile, cancellationToken).ConfigureAwait(false);
        var defaults = GlobalArgumentDefaults(text);
        foreach (var (written, stage) in DockerfileKey.BaseImages(text))
        {
            // The farm passes no --build-arg, so an argument in FROM is its default from an ARG before the first FROM.
            var image = defaults.Aggregate(written, (current, d) => current.Replace("${" + d.Key + "}", d.Value, StringComparison.Ordinal).Replace("$" + d.Key, d.Value, StringComparison.Ordinal));
            if (!stages.Contains(image) && !image.Equals("scratch", StringComparison.OrdinalIgnoreCase))
            {
                if (image.Contains('$', StringComparison.Ordinal) || image.StartsWith('-'))
                {
                    throw new RootfsException($"rootfs: {dockerfile}: FROM {image}: the Dockerfile is built without network, so its base images are pulled first, and this one depends on a build argument; name the image");
                }

                var last = string.Empty;
                var pulled = await ProcessRunner.RunAsync(new ProcessSpec(buildah, [.. common, "pull", "--quiet", "--platform", platform, .. tls, image]), line => last = line, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
                if (!pulled.Succeeded)
                {
                    throw new RootfsException($"rootfs: {dockerfile}: FROM {image}: cannot pull it: {last}");
                }

                log($"  buildah| pulled {image}");
            }

            if (stage is not null)
            {
                stages.Add(stage);
            }
        }
    }

    private static Dictionary<string, string> GlobalArgumentDefaults(string dockerfile)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in dockerfile.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            if (line.StartsWith("ARG ", StringComparison.OrdinalIgnoreCase) && line[4..].Trim().Split('=', 2) is [var name, var value])
            {
                defaults[name.Trim()] = value.Trim().Trim('"');
            }
        }

        return defaults;
    }

    private Task<ProcessOutcome> RunAsync(ProcessSpec spec, string storage, string layout, string context, Action<string> onLine, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string> { ["BUILDAH_ISOLATION"] = "chroot" };
        var policy = new SandboxPolicy
        {
            RootInside = true,
            ReadOnly = [context],
            Writable = [storage, Path.GetDirectoryName(layout)!],
            Scratch = ["/var/tmp"],
            SystemExtras = ["/etc/containers"],
            Environment = environment,
        };
        return _sandbox.RunAsync(spec with { Environment = environment }, policy, onLine, BuildTimeout, cancellationToken);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // vfs layers may hold read-only directories; a leftover private storage costs disk, not correctness.
        }
    }
}

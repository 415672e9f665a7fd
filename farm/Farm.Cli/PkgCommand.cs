using System.CommandLine;
using Farm.Core.Oci.Repositories;
using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;

namespace Farm.Cli;

/// <summary>
/// <c>farm pkg --kernel FILE --config DOTCONFIG --plat P --arch A [--initrd FILE] [--kraftfile PATH] [--name TARGET] REF</c>:
/// package one target in kraft's layout and merge it into the index at REF (a registry or <c>oci:DIR:TAG</c>).
/// </summary>
internal static class PkgCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernel = new Option<FileInfo>("--kernel") { Description = "The kernel image", Required = true };
        var config = new Option<FileInfo>("--config") { Description = "The target's full Unikraft .config", Required = true };
        var platform = new Option<string>("--plat") { Description = "Platform: qemu, fc, xen, linuxu", Required = true };
        var architecture = new Option<string>("--arch") { Description = "Architecture: x86_64, arm64, arm", Required = true };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "An initrd to package beside the kernel" };
        var kraftfile = new Option<string?>("--kraftfile") { Description = "The Kraftfile whose cmd, env and labels go into the image" };
        var name = new Option<string?>("--name") { Description = "The target's name (default: the Kraftfile's name, else the kernel file's)" };
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP, for a registry on 127.0.0.1" };
        var reference = new Argument<string>("REF") { Description = "host:port/repo:tag, or oci:DIR:TAG for an OCI layout directory" };
        var command = new Command("pkg", "Package one target as kraft does and merge it into the multi-platform index at REF");
        foreach (var option in new Option[] { kernel, config, platform, architecture, initrd, kraftfile, name, insecure })
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(reference);
        command.SetAction((result, cancellationToken) => OciCommandErrors.RunAsync("pkg", stderr, () => RunAsync(
            new PkgRequest(
                result.GetValue(kernel)!,
                result.GetValue(config)!,
                result.GetValue(platform)!,
                result.GetValue(architecture)!,
                result.GetValue(initrd),
                result.GetValue(kraftfile),
                result.GetValue(name),
                result.GetValue(reference)!),
            new RegistryClientOptions { Insecure = result.GetValue(insecure) },
            stdout,
            stderr,
            cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(PkgRequest request, RegistryClientOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!OciCommandErrors.TryParseReference(request.Reference, stderr, "pkg", out var reference))
        {
            return ExitCodes.InvalidInput;
        }

        if (reference.Tag is null)
        {
            await stderr.WriteLineAsync($"farm pkg: {request.Reference}: name the tag to publish the index under (e.g. :latest), not a digest").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (Platforms.Canonicalize(request.Platform) is not { } platform || Architectures.Canonicalize(request.Architecture) is not { } architecture)
        {
            await stderr.WriteLineAsync($"farm pkg: --plat {request.Platform} --arch {request.Architecture}: expected a platform ({string.Join(", ", Platforms.Known)}) and an architecture ({string.Join(", ", Architectures.Known)})").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        Kraftfile? app = null;
        if (request.Kraftfile is { } kraftfilePath)
        {
            var parsed = new KraftfileParser().Load(kraftfilePath);
            foreach (var diagnostic in parsed.Diagnostics)
            {
                await stderr.WriteLineAsync(diagnostic.Format()).ConfigureAwait(false);
            }

            if (!parsed.IsValid)
            {
                return ExitCodes.InvalidInput;
            }

            app = parsed.Kraftfile;
        }

        foreach (var file in new[] { request.Kernel, request.Config }.Concat(request.Initrd is null ? [] : [request.Initrd]))
        {
            if (!file.Exists)
            {
                await stderr.WriteLineAsync($"farm pkg: {file.FullName}: no such file").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
        }

        var image = new TargetImage(
            request.Name ?? app?.Name ?? request.Kernel.Name,
            platform,
            architecture,
            await File.ReadAllBytesAsync(request.Kernel.FullName, cancellationToken).ConfigureAwait(false),
            DotConfig.Parse(await File.ReadAllTextAsync(request.Config.FullName, cancellationToken).ConfigureAwait(false)))
        {
            Name = app?.Name,
            KernelMode = OperatingSystem.IsWindows() ? (UnixFileMode)0x1ED : File.GetUnixFileMode(request.Kernel.FullName),
            Initrd = request.Initrd is null ? null : await File.ReadAllBytesAsync(request.Initrd.FullName, cancellationToken).ConfigureAwait(false),
            Cmd = app?.Cmd ?? [],
            Env = app?.Env.Select(e => e.ToString()).ToList() ?? [],
            Labels = app?.Labels ?? [],
        };

        var packaged = TargetPackager.Package(image, reference);
        var repository = OciRepositories.Open(reference, options);
        var published = await ImagePublisher.PublishAsync(repository, reference.Tag, [packaged], cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"{image.Target} ({platform}/{architecture}): manifest {packaged.IndexEntry.Digest}, {published.BlobsUploaded} blob(s) uploaded").ConfigureAwait(false);
        await stdout.WriteLineAsync($"index {reference.WithDigest(published.IndexDigest)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private sealed record PkgRequest(FileInfo Kernel, FileInfo Config, string Platform, string Architecture, FileInfo? Initrd, string? Kraftfile, string? Name, string Reference);
}

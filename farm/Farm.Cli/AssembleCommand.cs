using System.CommandLine;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;
using Farm.Core.Oci.Signing;

namespace Farm.Cli;

/// <summary>
/// <c>farm assemble SRC... DST [--sign-key KEY] [--insecure]</c>: one multi-platform index at DST from the platform
/// manifests of several indexes (the per-runner layouts of a matrix build): each manifest and its blobs are copied,
/// digests kept, the entries merged as the farm merges targets, then signed and tagged.
/// </summary>
internal static class AssembleCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var signKey = new Option<string?>("--sign-key") { Description = "Sign the index and each manifest: a PKCS#8 PEM file, or env:VAR" };
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP, for registries on 127.0.0.1" };
        var sources = new Argument<string[]>("SRC") { Description = "Indexes to take the manifests of: host:port/repo:tag or oci:DIR:TAG", Arity = ArgumentArity.OneOrMore };
        var destination = new Option<string>("--to") { Description = "The index to write: host:port/repo:tag or oci:DIR:TAG", Required = true };
        var command = new Command("assemble", "Merge the platform manifests of several indexes into one signed index");
        command.Options.Add(destination);
        command.Options.Add(signKey);
        command.Options.Add(insecure);
        command.Arguments.Add(sources);
        command.SetAction((result, cancellationToken) => SignCommand.GuardAsync("assemble", stderr, () => RunAsync(
            result.GetValue(sources)!, result.GetValue(destination)!, result.GetValue(signKey), new RegistryClientOptions { Insecure = result.GetValue(insecure) }, stdout, stderr, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(string[] sources, string destination, string? keySpec, RegistryClientOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!OciCommandErrors.TryParseReference(destination, stderr, "assemble", out var to))
        {
            return ExitCodes.InvalidInput;
        }

        var target = OciRepositories.Open(to, options);
        var entries = new List<Descriptor>();
        foreach (var text in sources)
        {
            if (!OciCommandErrors.TryParseReference(text, stderr, "assemble", out var from))
            {
                return ExitCodes.InvalidInput;
            }

            var source = OciRepositories.Open(from, options);
            var fetched = await source.TryGetManifestAsync(from.Selector, cancellationToken).ConfigureAwait(false);
            if (fetched is not { IsIndex: true })
            {
                await stderr.WriteLineAsync($"farm assemble: {text}: {(fetched is null ? "no such image" : "not an index")}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            foreach (var entry in ImageIndex.Parse(fetched.Bytes).Manifests)
            {
                var manifest = await source.TryGetManifestAsync(entry.Digest.Value, cancellationToken).ConfigureAwait(false)
                    ?? throw new OciFormatException($"{text}: {entry.Digest} is listed but missing");
                var parsed = ImageManifest.Parse(manifest.Bytes);
                foreach (var blob in parsed.Layers.Prepend(parsed.Config))
                {
                    if (!await target.BlobExistsAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
                    {
                        await target.PushBlobAsync(BlobSource.FromBytes(await source.GetBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
                    }
                }

                await target.PutManifestAsync(manifest.Bytes, MediaTypes.ImageManifest, tag: null, cancellationToken).ConfigureAwait(false);
                entries.Add(entry);
            }
        }

        var index = IndexAssembler.Merge(null, entries);
        var bytes = index.ToJson();
        var digest = await target.PutManifestAsync(bytes, MediaTypes.ImageIndex, tag: null, cancellationToken).ConfigureAwait(false);
        if (keySpec is not null)
        {
            using var key = keySpec.StartsWith(SignCommand.EnvironmentPrefix, StringComparison.Ordinal)
                ? SigningKey.FromEnvironment(keySpec[SignCommand.EnvironmentPrefix.Length..])
                : SigningKey.Load(keySpec);
            await IndexSigning.SignAsync(target, to.WithDigest(digest), key, cancellationToken).ConfigureAwait(false);
        }

        await target.PutManifestAsync(bytes, MediaTypes.ImageIndex, to.Tag ?? OciReference.DefaultTag, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"{to}: {digest} ({index.Manifests.Count} manifest(s): {string.Join(", ", index.Manifests.Select(m => $"{m.Platform?.Os}/{m.Platform?.Architecture}"))}){(keySpec is null ? string.Empty : ", signed")}").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}

using System.CommandLine;
using System.Diagnostics;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;

namespace Farm.Cli;

/// <summary><c>farm copy SRC DST</c>: an index and all it references, between registries and <c>oci:</c> layouts, digests kept.</summary>
internal static class CopyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP, for registries on 127.0.0.1" };
        var source = new Argument<string>("SRC") { Description = "host:port/repo:tag[@digest], or oci:DIR:TAG" };
        var destination = new Argument<string>("DST") { Description = "host:port/repo:tag, or oci:DIR:TAG" };
        var command = new Command("copy", "Copy an index (or manifest) with its manifests and blobs; digests are kept");
        command.Options.Add(insecure);
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.SetAction((result, cancellationToken) => OciCommandErrors.RunAsync("copy", stderr, async () =>
        {
            if (!OciCommandErrors.TryParseReference(result.GetValue(source)!, stderr, "copy", out var from)
                || !OciCommandErrors.TryParseReference(result.GetValue(destination)!, stderr, "copy", out var to))
            {
                return ExitCodes.InvalidInput;
            }

            if (to.Tag is null)
            {
                await stderr.WriteLineAsync($"farm copy: {to}: name the destination tag").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var options = new RegistryClientOptions { Insecure = result.GetValue(insecure) };
            var stopwatch = Stopwatch.StartNew();
            var copied = await OciCopier.CopyAsync(OciRepositories.Open(from, options), from.Selector, OciRepositories.Open(to, options), to.Tag, cancellationToken).ConfigureAwait(false);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            await stdout.WriteLineAsync($"copied {copied.Digest} to {to}: {copied.BlobsCopied} blob(s), {copied.BytesCopied / 1048576.0:0.0} MiB in {seconds:0.00} s").ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}

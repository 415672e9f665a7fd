using System.CommandLine;
using System.Text.Json;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;

namespace Farm.Cli;

/// <summary><c>farm inspect REF [--json]</c>: the index at REF, its platforms, and which of them carry signatures.</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP, for a registry on 127.0.0.1" };
        var reference = new Argument<string>("REF") { Description = "host:port/repo:tag[@digest], or oci:DIR:TAG" };
        var command = new Command("inspect", "Show an index, its platform manifests and their signature state");
        command.Options.Add(json);
        command.Options.Add(insecure);
        command.Arguments.Add(reference);
        command.SetAction((result, cancellationToken) => OciCommandErrors.RunAsync("inspect", stderr, () => RunAsync(
            result.GetValue(reference)!, result.GetValue(json), new RegistryClientOptions { Insecure = result.GetValue(insecure) }, stdout, stderr, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(string text, bool asJson, RegistryClientOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!OciCommandErrors.TryParseReference(text, stderr, "inspect", out var reference))
        {
            return ExitCodes.InvalidInput;
        }

        var repository = OciRepositories.Open(reference, options);
        var top = await repository.TryGetManifestAsync(reference.Selector, cancellationToken).ConfigureAwait(false);
        if (top is null)
        {
            await stderr.WriteLineAsync($"farm inspect: {reference}: no manifest or index there").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var entries = top.IsIndex ? ImageIndex.Parse(top.Bytes).Manifests : [top.ToDescriptor()];
        var signatures = new Dictionary<Digest, int> { [top.Digest] = await CountSignaturesAsync(repository, top.Digest, cancellationToken).ConfigureAwait(false) };
        foreach (var entry in entries)
        {
            signatures[entry.Digest] = await CountSignaturesAsync(repository, entry.Digest, cancellationToken).ConfigureAwait(false);
        }

        await stdout.WriteAsync(asJson ? Json(reference, top, entries, signatures) : Text(reference, top, entries, signatures)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> CountSignaturesAsync(IOciRepository repository, Digest digest, CancellationToken cancellationToken)
    {
        var signature = await repository.TryGetManifestAsync(digest.TagForm + ".sig", cancellationToken).ConfigureAwait(false);
        return signature is null || signature.IsIndex ? 0 : ImageManifest.Parse(signature.Bytes).Layers.Count;
    }

    private static string Text(OciReference reference, FetchedManifest top, IReadOnlyList<Descriptor> entries, Dictionary<Digest, int> signatures)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"{reference}: {(top.IsIndex ? "index" : "manifest")} {top.Digest} ({top.Bytes.Length} bytes), {Signed(signatures[top.Digest])}");
        foreach (var entry in entries)
        {
            var platform = entry.Platform is { } p ? $"{p.Os}/{p.Architecture}" : "(no platform)";
            var target = entry.Annotation(KraftAnnotations.Target) is { } t ? $" target {t}" : string.Empty;
            text.AppendLine($"  {platform,-16}{target} {entry.Digest} ({entry.Size} bytes), {Signed(signatures[entry.Digest])}");
        }

        return text.ToString();
    }

    private static string Signed(int count) => count == 0 ? "unsigned" : $"signed ({count} signature{(count == 1 ? string.Empty : "s")})";

    private static string Json(OciReference reference, FetchedManifest top, IReadOnlyList<Descriptor> entries, Dictionary<Digest, int> signatures)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("reference", reference.ToString());
            json.WriteString("mediaType", top.MediaType);
            json.WriteString("digest", top.Digest.Value);
            json.WriteNumber("signatures", signatures[top.Digest]);
            json.WriteStartArray("manifests");
            foreach (var entry in entries)
            {
                json.WriteStartObject();
                json.WriteString("digest", entry.Digest.Value);
                json.WriteNumber("size", entry.Size);
                json.WriteString("platform", entry.Platform is { } p ? $"{p.Os}/{p.Architecture}" : null);
                json.WriteString("target", entry.Annotation(KraftAnnotations.Target));
                json.WriteString("kraftkitVersion", entry.Annotation(KraftAnnotations.KraftKitVersion));
                json.WriteNumber("signatures", signatures[entry.Digest]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}

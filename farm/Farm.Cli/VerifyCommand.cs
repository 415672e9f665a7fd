using System.CommandLine;
using System.Text.Json;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Signing;

namespace Farm.Cli;

/// <summary>
/// <c>farm verify REF --key KEY.pub [--insecure] [--json]</c>: exit 0 only when the index at REF and every platform
/// manifest in it carry a cosign signature that verifies with the key, for REF's identity and their own digest;
/// otherwise exit 1 naming each one that does not.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var key = new Option<string>("--key") { Description = "The public key: an SPKI PEM file (farm keygen's PREFIX.pub, or cosign.pub)", Required = true };
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP, for a registry on 127.0.0.1" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every signature's verdict" };
        var reference = new Argument<string>("REF") { Description = "host:port/repo:tag[@digest], or oci:DIR:TAG" };
        var command = new Command("verify", "Verify the cosign signatures of an index and each of its platform manifests");
        command.Options.Add(key);
        command.Options.Add(insecure);
        command.Options.Add(json);
        command.Arguments.Add(reference);
        command.SetAction((result, cancellationToken) => SignCommand.GuardAsync("verify", stderr, () => RunAsync(
            result.GetValue(reference)!, result.GetValue(key)!, result.GetValue(json), new RegistryClientOptions { Insecure = result.GetValue(insecure) }, stdout, stderr, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(string text, string keyPath, bool asJson, RegistryClientOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!OciCommandErrors.TryParseReference(text, stderr, "verify", out var reference))
        {
            return ExitCodes.InvalidInput;
        }

        using var key = VerificationKey.Load(keyPath);
        var repository = OciRepositories.Open(reference, options);
        var result = await IndexVerification.VerifyAsync(repository, reference, key, cancellationToken).ConfigureAwait(false);
        if (asJson)
        {
            await stdout.WriteLineAsync(Json(result, keyPath)).ConfigureAwait(false);
        }
        else
        {
            foreach (var manifest in result.Manifests.Where(m => m.IsVerified))
            {
                await stdout.WriteLineAsync($"{manifest.Subject}: verified").ConfigureAwait(false);
            }
        }

        foreach (var failure in result.Failures)
        {
            await stderr.WriteLineAsync($"farm verify: {failure}").ConfigureAwait(false);
        }

        var summary = result.IsVerified
            ? $"{reference}: verified: {result.Manifests.Count} of {result.Manifests.Count} signed by {keyPath} as {result.Identity}"
            : $"{reference}: not verified: {result.Failures.Count} of {result.Manifests.Count} without a valid signature by {keyPath} as {result.Identity}";
        await (asJson ? stderr : result.IsVerified ? stdout : stderr).WriteLineAsync(summary).ConfigureAwait(false);
        return result.IsVerified ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    // Written field by field (no reflection): the native `farm` runs this command (StandaloneCommands).
    private static string Json(IndexVerificationResult result, string keyPath)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("reference", result.Reference.ToString());
            json.WriteString("identity", result.Identity);
            json.WriteString("key", keyPath);
            json.WriteBoolean("verified", result.IsVerified);
            json.WriteStartArray("manifests");
            foreach (var manifest in result.Manifests)
            {
                json.WriteStartObject();
                json.WriteString("role", manifest.Subject.Role);
                json.WriteString("digest", manifest.Subject.Digest.Value);
                json.WriteString("platform", manifest.Subject.Platform?.ToString());
                json.WriteBoolean("verified", manifest.IsVerified);
                json.WriteString("reason", manifest.Verification.Reason);
                json.WriteStartArray("signatures");
                foreach (var signature in manifest.Verification.Signatures)
                {
                    json.WriteStartObject();
                    json.WriteNumber("layer", signature.Layer);
                    json.WriteString("payload", signature.Payload.Value);
                    json.WriteBoolean("valid", signature.Valid);
                    json.WriteString("reason", signature.Reason);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

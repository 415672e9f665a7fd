using System.CommandLine;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Signing;

namespace Farm.Cli;

/// <summary>
/// <c>farm sign REF --key KEY.pem|env:VAR [--insecure]</c>: cosign signatures for the index at REF and every
/// platform manifest in it (or for the single manifest at REF). Safe to repeat.
/// </summary>
internal static class SignCommand
{
    public const string EnvironmentPrefix = "env:";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var key = new Option<string>("--key") { Description = "The private key: a PKCS#8 PEM file (farm keygen's PREFIX.pem), or env:VAR for PEM text in an environment variable", Required = true };
        var insecure = new Option<bool>("--insecure") { Description = "Plain HTTP, for a registry on 127.0.0.1" };
        var reference = new Argument<string>("REF") { Description = "host:port/repo:tag[@digest], or oci:DIR:TAG" };
        var command = new Command("sign", "Sign an index and each of its platform manifests in cosign's format (tag sha256-<hex>.sig)");
        command.Options.Add(key);
        command.Options.Add(insecure);
        command.Arguments.Add(reference);
        command.SetAction((result, cancellationToken) => GuardAsync("sign", stderr, () => RunAsync(
            result.GetValue(reference)!, result.GetValue(key)!, new RegistryClientOptions { Insecure = result.GetValue(insecure) }, stdout, stderr, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(string text, string keySpec, RegistryClientOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!OciCommandErrors.TryParseReference(text, stderr, "sign", out var reference))
        {
            return ExitCodes.InvalidInput;
        }

        using var key = keySpec.StartsWith(EnvironmentPrefix, StringComparison.Ordinal)
            ? SigningKey.FromEnvironment(keySpec[EnvironmentPrefix.Length..])
            : SigningKey.Load(keySpec);
        var repository = OciRepositories.Open(reference, options);
        var signed = await IndexSigning.SignAsync(repository, reference, key, cancellationToken).ConfigureAwait(false);
        foreach (var (subject, signature) in signed)
        {
            var what = signature.Added ? "signed" : "already signed with this key";
            await stdout.WriteLineAsync($"{subject}: {what} ({signature.Tag}: {signature.SignatureCount} signature(s))").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync($"{reference}: {signed.Count} signed as {reference.Identity}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>The OCI command failures, plus a key that cannot be used: one line on stderr naming the input, exit 1.</summary>
    internal static Task<int> GuardAsync(string command, TextWriter stderr, Func<Task<int>> body) => OciCommandErrors.RunAsync(command, stderr, async () =>
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (SigningException ex)
        {
            await stderr.WriteLineAsync($"farm {command}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
    });
}

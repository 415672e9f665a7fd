using System.CommandLine;
using Farm.Core.Oci.Signing;

namespace Farm.Cli;

/// <summary><c>farm keygen --out PREFIX</c>: a new ECDSA P-256 key pair, PREFIX.pem (private, 0600) and PREFIX.pub.</summary>
internal static class KeygenCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var output = new Option<string>("--out") { Description = "Write PREFIX.pem (the private key, mode 0600) and PREFIX.pub (the public key); existing files are never overwritten", Required = true };
        var command = new Command("keygen", "Create a cosign-compatible ECDSA P-256 key pair for farm sign and farm verify");
        command.Options.Add(output);
        command.SetAction(result => Run(result.GetValue(output)!, stdout, stderr));
        return command;
    }

    private static int Run(string prefix, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            using var pair = KeyPair.Generate();
            var files = pair.Write(prefix);
            stdout.WriteLine($"private key: {files.PrivateKeyPath} (keep it secret: farm sign --key {files.PrivateKeyPath})");
            stdout.WriteLine($"public key:  {files.PublicKeyPath} (hand it out: farm verify --key {files.PublicKeyPath})");
            return ExitCodes.Success;
        }
        catch (SigningException ex)
        {
            stderr.WriteLine($"farm keygen: {ex.Message}");
            return ExitCodes.InvalidInput;
        }
    }
}

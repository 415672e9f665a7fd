using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;

namespace Farm.Cli;

/// <summary>
/// The failures an OCI command can meet that are the input's or the registry's, not a bug: each becomes one line
/// on stderr and exit 1.
/// </summary>
internal static class OciCommandErrors
{
    public static async Task<int> RunAsync(string command, TextWriter stderr, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RegistryException or OciFormatException or FormatException or IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            await stderr.WriteLineAsync($"farm {command}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
    }

    public static bool TryParseReference(string text, TextWriter stderr, string command, out OciReference reference)
    {
        if (OciReference.TryParse(text, out reference, out var error))
        {
            return true;
        }

        stderr.WriteLine($"farm {command}: {error}");
        return false;
    }
}

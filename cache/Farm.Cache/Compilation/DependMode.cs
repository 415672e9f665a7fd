using System.Text;
using Farm.Cache.Keys;

namespace Farm.Cache.Compilation;

/// <summary>
/// ccache's depend mode: a direct-mode miss compiles once, with a dependency file (the build's own, or one farm-cc
/// asks for in a temporary file), and keys the object by the direct key and every file that dependency file lists
/// with its digest, never running the preprocessor for a key. The manifest it writes is an ordinary direct-mode
/// manifest, so the next compile hits through <see cref="DirectMode"/>. It applies only where the dependency file
/// names everything the object depends on.
/// </summary>
public static class DependMode
{
    /// <summary>Why depend mode cannot key this compile (the preprocessor path then does), or null when it can.</summary>
    public static string? Refusal(CompilerInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (invocation.IsAssembly)
        {
            return "assembly: .include and .incbin are not in a dependency file";
        }

        foreach (var argument in invocation.Arguments)
        {
            // -MMD leaves the headers of -isystem directories out; -MG lists headers that do not exist as if they did.
            if (argument is "-MMD" or "-MG" || argument.StartsWith("-Wp,-MMD", StringComparison.Ordinal) || argument.StartsWith("-Wp,-MG", StringComparison.Ordinal))
            {
                return $"{argument}: the dependency file does not list every header";
            }
        }

        return null;
    }

    /// <summary>The object's key: the direct key (compiler, arguments, source) and each file read with its digest.</summary>
    public static string Key(string directKey, string listing) =>
        Convert.ToHexStringLower(Sha256.HashData(Encoding.UTF8.GetBytes($"{CacheKey.SchemaVersion}-depend:{directKey}\n{listing}")));

    /// <summary>
    /// Where a compile that asked for no dependency file writes the one farm-cc needs: the temporary directory, which
    /// the compiler needs writable anyway. The process id keeps live compiles apart; the random part, compiles in
    /// sandboxes that share the directory but not the process ids.
    /// </summary>
    public static string TemporaryDependencyFile() =>
        Path.Combine(Path.GetTempPath(), $"farm-cc-{Environment.ProcessId}-{Random.Shared.NextInt64():x}.d");
}

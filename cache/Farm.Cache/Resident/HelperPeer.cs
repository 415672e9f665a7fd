using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Farm.Cache.Resident;

/// <summary>
/// Who is on the other end of a helper connection. The helper writes files at the paths a compile names and reads
/// every header it lists, so it serves only this user's processes, and only those that see the same files: a process
/// in another mount namespace or under another root (a sandbox, a container) could make "the same path" mean other
/// bytes, and a hit computed from the helper's view would then be a wrong object in the caller's; a process confined
/// otherwise (no_new_privs, seccomp) must not have the helper write where it may not.
/// </summary>
internal static partial class HelperPeer
{
    private const int SocketLevel = 1; // SOL_SOCKET
    private const int PeerCredentials = 17; // SO_PEERCRED: struct ucred { pid_t pid; uid_t uid; gid_t gid; }

    /// <summary>Why the peer is not served, or null when it is.</summary>
    public static string? Refusal(Socket connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Span<byte> credentials = stackalloc byte[12];
        if (connection.GetRawSocketOption(SocketLevel, PeerCredentials, credentials) != credentials.Length)
        {
            return "no peer credentials";
        }

        var process = BinaryPrimitives.ReadInt32LittleEndian(credentials);
        var user = BinaryPrimitives.ReadUInt32LittleEndian(credentials[4..]);
        if (user != EffectiveUserId())
        {
            return "another user";
        }

        var sameFiles = Link($"/proc/{process}/ns/mnt") is { } mounts && mounts == OwnMounts.Value
            && Link($"/proc/{process}/root") is { } root && root == OwnRoot.Value;
        if (!sameFiles)
        {
            return "another mount namespace or root";
        }

        return Confinement(process) is { } confinement && confinement == OwnConfinement.Value ? null : "another confinement (no_new_privs or seccomp)";
    }

    /// <summary>
    /// How the process is confined beyond its mounts: <c>NoNewPrivs</c> and <c>Seccomp</c> from its status. A sandbox
    /// that is not a mount namespace (Landlock needs no_new_privs; a seccomp filter) may deny the compile files the
    /// helper, outside it, may write: such a process is not served.
    /// </summary>
    internal static string? Confinement(int process)
    {
        try
        {
            var fields = File.ReadLines($"/proc/{process}/status")
                .Where(line => line.StartsWith("NoNewPrivs:", StringComparison.Ordinal) || line.StartsWith("Seccomp:", StringComparison.Ordinal))
                .Select(line => string.Concat(line.Where(c => !char.IsWhiteSpace(c))));
            return string.Join(' ', fields);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static readonly Lazy<string?> OwnMounts = new(() => Link("/proc/self/ns/mnt"));
    private static readonly Lazy<string?> OwnRoot = new(() => Link("/proc/self/root"));
    private static readonly Lazy<string?> OwnConfinement = new(() => Confinement(Environment.ProcessId));

    public static uint EffectiveUserId() => GetEffectiveUserId();

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}

using System.Runtime.InteropServices;

namespace Farm.Front;

/// <summary>The .NET farm (<c>farm-host</c>), run in place of this process with the same arguments and environment.</summary>
internal static partial class HostProcess
{
    public const string FileName = "farm-host";

    /// <summary>Returns only when the host cannot be started: 127 and one line, as a shell says it.</summary>
    public static int Exec(string[] args, TextWriter stderr)
    {
        // AppContext.BaseDirectory is the directory of the real executable (links resolved): the release's directory.
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        string?[] argv = [path, .. args, null];
        Execv(path, argv);
        var reason = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
        stderr.WriteLine($"farm: cannot run {path}: {reason} (a release installs farm-host beside farm: install the whole release again, ansible/release.sh)");
        return 127;
    }

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execv(string path, string?[] argv);
}

using Farm.Core.Kraftfiles;
using Farm.Core.Processes;

namespace Farm.Worker.Smoke;

/// <summary>
/// Runs a linuxu kernel as a process of the host. Unikraft's linuxu console needs a terminal on stdin, so the
/// kernel runs under a pseudo-terminal made by util-linux <c>script</c>, which also passes its exit status on
/// (128 + N when signal N killed it).
/// </summary>
internal sealed class LinuxuRunner : ISmokeRunner
{
    private readonly string _hostArchitecture;

    public LinuxuRunner(string hostArchitecture)
    {
        _hostArchitecture = hostArchitecture;
    }

    public string Name => "linuxu (pty)";

    public string? UnavailableReason => ExecutableLocator.Find("script") is null
        ? "util-linux 'script' is not installed (it provides the pseudo-terminal; Debian: bsdutils)"
        : null;

    public bool Serves(string platform, string architecture) => platform == Platforms.Linuxu && architecture == _hostArchitecture;

    public static ProcessSpec Command(SmokeRequest request)
    {
        var command = string.Join(' ', new[] { request.KernelPath }.Concat(request.Arguments).Select(ShellQuote));
        return new ProcessSpec("script", ["--quiet", "--return", "--command", command, "/dev/null"])
        {
            WorkingDirectory = request.WorkDirectory,
        };
    }

    public Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken cancellationToken)
    {
        if (UnavailableReason is { } reason)
        {
            return Task.FromResult(SmokeResult.Unavailable(Name, reason));
        }

        File.SetUnixFileMode(request.KernelPath, File.GetUnixFileMode(request.KernelPath) | UnixFileMode.UserExecute);
        return GuestProcess.RunAsync(Name, Command(request), request, MapExit, cancellationToken);
    }

    private static GuestEnd MapExit(int code, string console) =>
        code > 128 ? GuestEnd.Crashed($"killed by signal {code - 128}") : GuestEnd.Exited(code);

    private static string ShellQuote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

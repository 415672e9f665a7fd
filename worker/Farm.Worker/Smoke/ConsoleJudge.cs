using System.Text.RegularExpressions;

namespace Farm.Worker.Smoke;

/// <summary>
/// Decides a boot from what the console printed and how the guest ended. A crash marker fails the boot even when
/// the expected text appeared before it; a wrong exit status, a reset and a hang each fail with their own reason.
/// </summary>
internal static class ConsoleJudge
{
    /// <summary>Lines Unikraft (and the fixture core) print when the kernel crashes.</summary>
    private static readonly Regex CrashMarker = new(@"CRIT:|Crash dump|Unhandled Trap|\bPANIC\b|Kernel panic", RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Unikraft's error lines (<c>ERR:  [libukrandom] ... Could not initialize the HWRNG (-95)</c>), which say why a kernel stopped.</summary>
    private static readonly Regex ErrorMarker = new(@"\bERR:|\berror:", RegexOptions.None, TimeSpan.FromSeconds(1));

    public static (SmokeStatus Status, string? Reason) Judge(SmokeExpectation expectation, string console, GuestEnd end, TimeSpan timeout)
    {
        var (status, reason) = Decide(expectation, console, end, timeout);
        // The console line that explains a stop belongs in the one-line reason, not only in console.log.
        if (status == SmokeStatus.Failed && end.Kind != GuestEndKind.StillRunning && FirstMatchingLine(ErrorMarker, console) is { } error)
        {
            reason += $"; the console said: {error}";
        }

        return (status, reason);
    }

    private static (SmokeStatus Status, string? Reason) Decide(SmokeExpectation expectation, string console, GuestEnd end, TimeSpan timeout)
    {
        if (end.Kind == GuestEndKind.HostError)
        {
            return (SmokeStatus.Failed, $"the hypervisor failed: {end.Detail}");
        }

        if (FirstMatchingLine(CrashMarker, console) is { } crash)
        {
            return (SmokeStatus.Failed, $"the kernel crashed: {crash}");
        }

        if (end.Kind == GuestEndKind.Crashed)
        {
            return (SmokeStatus.Failed, $"the kernel crashed: {end.Detail}");
        }

        var seconds = $"{timeout.TotalSeconds:0.#} s";
        if (!expectation.Expect.IsMatch(console))
        {
            return end.Kind == GuestEndKind.StillRunning
                ? (SmokeStatus.Failed, $"no output matching {expectation.Describe()} within {seconds} (the kernel hangs or prints something else)")
                : (SmokeStatus.Failed, $"the kernel ended ({Describe(end)}) without printing anything matching {expectation.Describe()}");
        }

        if (expectation.Exit is { } wanted)
        {
            return end.Kind switch
            {
                GuestEndKind.StillRunning => (SmokeStatus.Failed, $"printed the expected output but did not exit within {seconds} (expected exit status {wanted})"),
                _ when end.Status == wanted => (SmokeStatus.Passed, null),
                _ => (SmokeStatus.Failed, $"the kernel ended ({Describe(end)}), expected exit status {wanted}"),
            };
        }

        return end.Kind switch
        {
            GuestEndKind.StillRunning => (SmokeStatus.Passed, null),
            _ when end.Status == 0 => (SmokeStatus.Passed, null),
            _ => (SmokeStatus.Failed, $"the kernel ended ({Describe(end)}); a kernel that stops must exit with status 0"),
        };
    }

    /// <summary>The last lines of the console, with control characters made visible, for a failure report.</summary>
    public static IReadOnlyList<string> Tail(string console, int lines = 15)
    {
        var all = console.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
        var count = all.Length > 0 && all[^1].Length == 0 ? all.Length - 1 : all.Length;
        return all.Take(count).Skip(Math.Max(0, count - lines)).Select(Visible).ToList();
    }

    private static string Describe(GuestEnd end) => end.Kind switch
    {
        GuestEndKind.Exited => $"exit status {end.Status}",
        GuestEndKind.PoweredOff => "powered off",
        GuestEndKind.Crashed => $"crashed: {end.Detail}",
        _ => end.Kind.ToString(),
    };

    private static string? FirstMatchingLine(Regex regex, string console) =>
        console.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(regex.IsMatch) is { } line ? Visible(line.Trim()) : null;

    private static string Visible(string line)
    {
        var text = new System.Text.StringBuilder(line.Length);
        foreach (var c in line.Length > 200 ? line[..200] : line)
        {
            text.Append(char.IsControl(c) && c != '\t' ? $"\\x{(int)c:x2}" : c.ToString());
        }

        return text.ToString();
    }
}

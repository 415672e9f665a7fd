using Farm.Core.Processes;

namespace Farm.Worker.Sandboxing;

/// <summary>
/// Tells a sandboxed command that failed because it hit one of the sandbox's limits, from what the kernel's refusals
/// look like in its output (fork's EAGAIN, ENOMEM, SIGXFSZ, a full /tmp) and the pids cgroup's own count, so that
/// the build fails with that reason rather than with a compiler's last words.
/// </summary>
internal sealed class SandboxLimits
{
    private readonly SandboxSettings _settings;
    private string? _seen;

    public SandboxLimits(SandboxSettings settings)
    {
        _settings = settings;
    }

    public void Observe(string line)
    {
        if (_seen is not null)
        {
            return;
        }

        if (line.Contains("Resource temporarily unavailable", StringComparison.Ordinal) || line.Contains("Cannot fork", StringComparison.Ordinal)
            || line.Contains("fork: retry", StringComparison.Ordinal))
        {
            _seen = Processes;
        }
        else if (line.Contains("Cannot allocate memory", StringComparison.Ordinal) || line.Contains("MemoryError", StringComparison.Ordinal)
            || line.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || line.Contains("memory exhausted", StringComparison.Ordinal)
            || line.Contains("std::bad_alloc", StringComparison.Ordinal))
        {
            _seen = Memory;
        }
        else if (line.Contains("File size limit exceeded", StringComparison.Ordinal))
        {
            _seen = FileSize;
        }
        else if (line.Contains("No space left on device", StringComparison.Ordinal))
        {
            _seen = $"exceeded the sandbox's disk limit (its /tmp holds {_settings.TmpMegabytes} MiB: {SandboxSettings.Variable}__TmpMegabytes), or the worker's disk is full";
        }
    }

    /// <summary>The limit the command exceeded, or null when its failure was its own.</summary>
    public string? Explain(ProcessOutcome outcome, bool processLimitHit)
    {
        if (processLimitHit)
        {
            return Processes;
        }

        // 128 + SIGXFSZ (25): the shell's or make's report of a child killed for writing past the file size limit.
        return _seen ?? (outcome.ExitCode == 153 ? FileSize : null);
    }

    private string Processes => $"exceeded the sandbox's process limit ({_settings.Processes} processes: {SandboxSettings.Variable}__Processes)";

    private string Memory => $"exceeded the sandbox's memory limit ({_settings.MemoryMegabytes} MiB per process: {SandboxSettings.Variable}__MemoryMegabytes)";

    private string FileSize => $"exceeded the sandbox's file size limit ({_settings.FileMegabytes} MiB: {SandboxSettings.Variable}__FileMegabytes)";
}

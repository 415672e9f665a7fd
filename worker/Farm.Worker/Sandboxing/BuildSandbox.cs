using Farm.Core.Processes;

namespace Farm.Worker.Sandboxing;

/// <summary>
/// Runs build code (make, compilers, kconfig tools, smoke boots) in a bubblewrap sandbox: new user, PID, IPC, UTS and
/// network namespaces (no network at all), an unprivileged user, a clean environment (only what
/// <see cref="SandboxPolicy"/> lists), the host's system directories and the build's sources read-only, only the
/// build directory and a private size-limited /tmp writable, no device but the basic ones and those the policy
/// names. Limits are rlimits set by <c>prlimit</c> (memory as data size, file size, processes) plus, when the worker
/// runs as root (whose processes the process rlimit does not bind), a pids cgroup. bubblewrap needs no daemon and no
/// setuid helper; trusted builds run in the same sandbox, since a compromised dependency is untrusted code too.
/// </summary>
internal sealed class BuildSandbox
{
    private static readonly string[] SystemDirectories = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    // What compilers, make, python and QEMU read from /etc; no secrets (no shadow, no ssh, no ssl keys).
    private static readonly string[] SystemFiles =
    [
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
        "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
    ];

    public BuildSandbox(SandboxSettings settings)
    {
        Settings = settings;
    }

    public SandboxSettings Settings { get; }

    public bool Enabled => Settings.Enabled;

    /// <summary>The worker's sandbox, from <c>Farm__Worker__Sandbox*</c>; a bad setting is reported at start-up by <see cref="Check"/>.</summary>
    public static BuildSandbox Current { get; } = new(SandboxSettings.FromEnvironment().Settings ?? SandboxSettings.Default);

    /// <summary>Why this host cannot run the sandbox as configured, or null. Checked once when a worker starts.</summary>
    public static string? Check()
    {
        var (settings, problem) = SandboxSettings.FromEnvironment();
        if (problem is not null)
        {
            return problem;
        }

        if (settings!.Enabled && ExecutableLocator.Find("bwrap") is null)
        {
            return "bubblewrap (bwrap) is not installed (Debian: bubblewrap); builds run in its sandbox. Install it, or set Farm__Worker__Sandbox=off on a host that cannot make namespaces (untrusted builds are then refused)";
        }

        return settings.Enabled && ExecutableLocator.Find("prlimit") is null ? "prlimit (util-linux) is not installed; the sandbox sets its limits with it" : null;
    }

    public string Describe() => Enabled
        ? $"bubblewrap: no network, clean environment, sources read-only; limits {Settings.MemoryMegabytes} MiB data per process, {Settings.Processes} processes, {Settings.FileMegabytes} MiB per file, {Settings.TmpMegabytes} MiB /tmp"
        : "off (Farm__Worker__Sandbox=off): build code runs as the worker, with its environment; untrusted builds are refused";

    public async Task<ProcessOutcome> RunAsync(ProcessSpec spec, SandboxPolicy policy, Action<string> onLine, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return await ProcessRunner.RunAsync(spec with { Environment = Merge(spec, policy) }, onLine, timeout, cancellationToken).ConfigureAwait(false);
        }

        if (Check() is { } problem)
        {
            return new ProcessOutcome(null, TimedOut: false, TimeSpan.Zero, problem);
        }

        using var cgroup = Environment.UserName == "root" ? ProcessCgroup.TryCreate(Settings.Processes) : null;
        var limits = new SandboxLimits(Settings);
        using var stopped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchdog = cgroup is null ? Task.CompletedTask : WatchProcessLimitAsync(cgroup, stopped);
        var started = System.Diagnostics.Stopwatch.StartNew();
        ProcessOutcome outcome;
        try
        {
            outcome = await ProcessRunner.RunAsync(Wrap(spec, policy, cgroup?.ProcsFile), line =>
            {
                limits.Observe(line);
                onLine(line);
            }, timeout, stopped.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The watchdog stopped it: a fork bomb keeps retrying at the limit, so waiting for it to end is waiting for the deadline.
            outcome = new ProcessOutcome(null, TimedOut: false, started.Elapsed);
        }
        finally
        {
            await stopped.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
        }

        return outcome.Succeeded ? outcome : outcome with { LimitExceeded = limits.Explain(outcome, cgroup?.HitProcessLimit() == true) };
    }

    /// <summary>Stops the command the moment the pids cgroup refuses a fork: the build has failed, and saying why now beats a deadline later.</summary>
    private static async Task WatchProcessLimitAsync(ProcessCgroup cgroup, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), stop.Token).ConfigureAwait(false);
                if (cgroup.HitProcessLimit())
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The command that runs <paramref name="spec"/> inside the sandbox.</summary>
    internal ProcessSpec Wrap(ProcessSpec spec, SandboxPolicy policy, string? cgroupProcs = null)
    {
        List<string> command =
        [
            $"--data={(long)Settings.MemoryMegabytes << 20}",
            $"--fsize={(long)Settings.FileMegabytes << 20}",
            $"--nproc={Settings.Processes}",
            "--core=0",
            "--",
        ];
        if (cgroupProcs is not null)
        {
            // The pids cgroup must hold the sandbox before it forks: the shell joins it, then becomes bwrap.
            command.AddRange(["/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroupProcs]);
        }

        command.Add("bwrap");
        command.AddRange(BwrapArguments(spec, policy));
        command.Add("--");
        command.Add(spec.FileName);
        command.AddRange(spec.Arguments);
        return new ProcessSpec("prlimit", command) { WorkingDirectory = spec.WorkingDirectory };
    }

    private List<string> BwrapArguments(ProcessSpec spec, SandboxPolicy policy)
    {
        List<string> arguments = ["--die-with-parent", "--new-session", "--unshare-all", "--unshare-user"];
        if (policy.ShareNetwork)
        {
            arguments.Add("--share-net");
        }

        arguments.AddRange(policy.RootInside ? ["--uid", "0", "--gid", "0", "--cap-add", "ALL"] : ["--uid", "65534", "--gid", "65534"]);
        arguments.AddRange(["--hostname", "farm-sandbox", "--clearenv"]);
        foreach (var directory in SystemDirectories)
        {
            var info = new DirectoryInfo(directory);
            if (info.LinkTarget is { } target)
            {
                arguments.AddRange(["--symlink", target, directory]);
            }
            else if (info.Exists)
            {
                arguments.AddRange(["--ro-bind", directory, directory]);
            }
        }

        foreach (var file in SystemFiles.Concat(policy.SystemExtras))
        {
            arguments.AddRange(["--ro-bind-try", file, file]);
        }

        arguments.AddRange(["--proc", "/proc", "--dev", "/dev", "--size", ((long)Settings.TmpMegabytes << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), "--tmpfs", "/tmp"]);
        foreach (var scratch in policy.Scratch)
        {
            arguments.AddRange(["--tmpfs", scratch]);
        }

        foreach (var device in policy.Devices.Where(File.Exists))
        {
            arguments.AddRange(["--dev-bind", device, device]);
        }

        // Parents before children, and a writable directory over a read-only parent (a build directory inside the app).
        var mounts = policy.ReadOnly.Select(p => (Path: Path.GetFullPath(p), Writable: false))
            .Concat(policy.Writable.Select(p => (Path: Path.GetFullPath(p), Writable: true)))
            .Where(m => !IsSystemPath(m.Path) || m.Writable)
            .Distinct()
            .OrderBy(m => m.Path.Length)
            .ThenBy(m => m.Writable);
        foreach (var (path, writable) in mounts)
        {
            arguments.AddRange([writable ? "--bind" : "--ro-bind", path, path]);
        }

        if (policy.CacheSocket is { } socket)
        {
            arguments.AddRange(["--ro-bind", socket, SandboxPolicy.SocketInside]);
        }

        if (spec.WorkingDirectory is { } workingDirectory)
        {
            arguments.AddRange(["--chdir", Path.GetFullPath(workingDirectory)]);
        }

        foreach (var (key, value) in Merge(spec, policy))
        {
            arguments.AddRange(["--setenv", key, value]);
        }

        return arguments;
    }

    private static SortedDictionary<string, string> Merge(ProcessSpec spec, SandboxPolicy policy)
    {
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = "/tmp",
            ["TMPDIR"] = "/tmp",
            ["LC_ALL"] = "C",
            ["SOURCE_DATE_EPOCH"] = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH") is { Length: > 0 } epoch ? epoch : "0",
        };
        foreach (var (key, value) in policy.Environment.Concat(spec.Environment))
        {
            environment[key] = value;
        }

        return environment;
    }

    private static bool IsSystemPath(string path) =>
        SystemDirectories.Any(d => path == d || path.StartsWith(d + "/", StringComparison.Ordinal));
}

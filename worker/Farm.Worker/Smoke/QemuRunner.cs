using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Processes;

namespace Farm.Worker.Smoke;

/// <summary>
/// Boots qemu/x86_64 and qemu/arm64 kernels. KVM is used only when the worker's probe boot proved it works
/// (<see cref="UseKvm"/>); otherwise QEMU emulates. The guest's exit status comes back through QEMU's exit code:
/// on x86_64 from <c>isa-debug-exit</c> (<c>status &lt;&lt; 1 | 1</c>), on arm64 from semihosting; a plain
/// exit 0 is a power-off (PSCI SYSTEM_OFF, ACPI) without a status.
/// </summary>
internal sealed class QemuRunner : ISmokeRunner
{
    private readonly string _architecture;

    public QemuRunner(string architecture, bool useKvm)
    {
        _architecture = architecture;
        UseKvm = useKvm;
    }

    public bool UseKvm { get; }

    public string Binary => _architecture == Architectures.Arm64 ? "qemu-system-aarch64" : "qemu-system-x86_64";

    public string Name => Binary + (UseKvm ? " (kvm)" : " (emulated)");

    public string? UnavailableReason => ExecutableLocator.Find(Binary) is null
        ? $"{Binary} is not installed (Debian: {(_architecture == Architectures.Arm64 ? "qemu-system-arm" : "qemu-system-x86")})"
        : null;

    public bool Serves(string platform, string architecture) => platform == Platforms.Qemu && architecture == _architecture;

    public IReadOnlyList<string> Arguments(SmokeRequest request)
    {
        List<string> arguments = ["-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-m", "128M"];
        if (request.Expectation.Http is { } http && request.HostPort is { } hostPort)
        {
            // User networking with restrict=on: the guest reaches nothing (no host, no outside); only the forwarded
            // port on the host's 127.0.0.1 reaches the guest. QEMU's DHCP gives it 10.0.2.15.
            arguments.AddRange(["-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{hostPort}-:{http.Port}", "-device", "virtio-net-pci,netdev=n0"]);
        }
        else
        {
            arguments.AddRange(["-net", "none"]);
        }

        arguments.AddRange(UseKvm ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "max"]);
        if (_architecture == Architectures.Arm64)
        {
            arguments.AddRange(["-machine", "virt"]);
            if (!UseKvm)
            {
                arguments.AddRange(["-semihosting-config", "enable=on,target=native"]);
            }
        }
        else
        {
            arguments.AddRange(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        }

        arguments.AddRange(["-kernel", request.KernelPath]);
        if (request.InitrdPath is { } initrd)
        {
            arguments.AddRange(["-initrd", initrd]);
        }

        if (request.Arguments.Count > 0)
        {
            arguments.AddRange(["-append", string.Join(' ', request.Arguments)]);
        }

        return arguments;
    }

    public Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken cancellationToken)
    {
        if (UnavailableReason is { } reason)
        {
            return Task.FromResult(SmokeResult.Unavailable(Name, reason));
        }

        // QEMU's multiboot loader splits -initrd at commas (modules) and spaces (a module's command line).
        if (request.InitrdPath is { } initrd && initrd.AsSpan().IndexOfAny(", ") >= 0)
        {
            var copy = Path.Combine(request.WorkDirectory, "initrd.cpio");
            InPlaceWrite.Copy(initrd, copy);
            if (copy.AsSpan().IndexOfAny(", ") < 0)
            {
                request = request with { InitrdPath = copy };
            }
        }

        if (request.Expectation.Http is { } http)
        {
            request = request with { HostPort = FreePort() };
            var hostPort = request.HostPort.Value;
            var last = string.Empty;
            return GuestProcess.RunAsync(
                Name, new ProcessSpec(Binary, Arguments(request)), request, MapExit, cancellationToken, devices: UseKvm ? ["/dev/kvm"] : [],
                ask: async token => (await http.AskAsync(hostPort, l => last = l, token).ConfigureAwait(false), last));
        }

        return GuestProcess.RunAsync(Name, new ProcessSpec(Binary, Arguments(request)), request, MapExit, cancellationToken, devices: UseKvm ? ["/dev/kvm"] : []);
    }

    /// <summary>A port free on 127.0.0.1 now (the kernel picks it); QEMU binds it a moment later.</summary>
    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private GuestEnd MapExit(int code, string console)
    {
        // QEMU's own errors ("could not load kernel") come before any guest output and use QEMU's exit codes.
        var hostError = console.Split('\n').FirstOrDefault(l => l.StartsWith(Binary + ":", StringComparison.Ordinal) && !l.Contains("warning", StringComparison.OrdinalIgnoreCase));
        if (hostError is not null)
        {
            return GuestEnd.HostError(hostError.Trim());
        }

        if (code == 0)
        {
            return GuestEnd.PoweredOff;
        }

        if (_architecture == Architectures.Arm64)
        {
            return GuestEnd.Exited(code);
        }

        return (code & 1) == 1 ? GuestEnd.Exited(code >> 1) : GuestEnd.HostError($"{Binary} exited with {code}");
    }
}

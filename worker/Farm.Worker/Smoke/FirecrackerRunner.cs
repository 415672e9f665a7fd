using System.Text.Json;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Processes;

namespace Farm.Worker.Smoke;

/// <summary>
/// Boots fc/x86_64 and fc/arm64 kernels with <c>firecracker --no-api --config-file</c>. The serial console is
/// Firecracker's stdout; the guest stops it with an i8042 reset (x86_64) or PSCI (arm64), which ends the process.
/// </summary>
internal sealed class FirecrackerRunner : ISmokeRunner
{
    private static readonly string[] DefaultBootArguments = ["console=ttyS0", "reboot=k", "panic=1"];
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly string _hostArchitecture;
    private readonly string? _kvmProblem;

    /// <param name="kvmProblem">Why KVM cannot be used here (Firecracker needs it), or null when a probe boot worked.</param>
    public FirecrackerRunner(string hostArchitecture, string? kvmProblem)
    {
        _hostArchitecture = hostArchitecture;
        _kvmProblem = kvmProblem;
    }

    public string Name => "firecracker";

    public string? UnavailableReason =>
        ExecutableLocator.Find("firecracker") is null ? "firecracker is not installed"
        : _kvmProblem is { } problem ? $"firecracker needs KVM: {problem}"
        : null;

    public bool Serves(string platform, string architecture) => platform == Platforms.Firecracker && architecture == _hostArchitecture;

    public static string RenderConfig(SmokeRequest request)
    {
        var bootArgs = string.Join(' ', DefaultBootArguments.Concat(request.Arguments));
        var bootSource = new Dictionary<string, object> { ["kernel_image_path"] = request.KernelPath, ["boot_args"] = bootArgs };
        if (request.InitrdPath is { } initrd)
        {
            bootSource["initrd_path"] = initrd;
        }

        var config = new Dictionary<string, object>
        {
            ["boot-source"] = bootSource,
            ["drives"] = Array.Empty<object>(),
            ["machine-config"] = new Dictionary<string, object> { ["vcpu_count"] = 1, ["mem_size_mib"] = 128, ["smt"] = false },
            ["network-interfaces"] = Array.Empty<object>(),
        };
        return JsonSerializer.Serialize(config, Indented);
    }

    public async Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken cancellationToken)
    {
        if (UnavailableReason is { } reason)
        {
            return SmokeResult.Unavailable(Name, reason);
        }

        var configFile = Path.Combine(request.WorkDirectory, "firecracker.json");
        await InPlaceWrite.WriteAllTextAsync(configFile, RenderConfig(request), cancellationToken).ConfigureAwait(false);
        var spec = new ProcessSpec("firecracker", ["--no-api", "--config-file", configFile, "--level", "Warning"]) { WorkingDirectory = request.WorkDirectory };
        return await GuestProcess.RunAsync(Name, spec, request, (code, _) => code == 0 ? GuestEnd.PoweredOff : GuestEnd.HostError($"firecracker exited with {code}"), cancellationToken, devices: ["/dev/kvm"]).ConfigureAwait(false);
    }
}

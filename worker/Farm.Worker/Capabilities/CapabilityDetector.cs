using System.Runtime.InteropServices;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Core.Processes;

namespace Farm.Worker.Capabilities;

/// <summary>
/// Detects what this host can build and boot. Nothing is taken on trust: <c>/dev/kvm</c> existing is not proof
/// that KVM works (nested or paravirtual KVM often cannot run a unikernel), so KVM and each QEMU are proven by
/// booting <see cref="ProbeKernel"/>s. A configured queue list restricts what was detected; it never adds a
/// queue this host cannot serve.
/// </summary>
internal static class CapabilityDetector
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);
    internal static readonly string[] PlatformOrder = [Platforms.Qemu, Platforms.Firecracker, Platforms.Xen, Platforms.Linuxu];

    public static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 => Architectures.Arm64,
        Architecture.X64 => Architectures.X8664,
        var other => other.ToString().ToLowerInvariant(),
    };

    public static async Task<HostCapabilities> DetectAsync(IReadOnlyList<string>? configuredQueues, CancellationToken cancellationToken)
    {
        var host = HostArchitecture;
        var toolchains = new Dictionary<string, Toolchain>(StringComparer.Ordinal);
        var missing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var architecture in ToolchainLocator.Supported)
        {
            var (toolchain, problem) = ToolchainLocator.Find(architecture, host);
            if (toolchain is not null)
            {
                toolchains[architecture] = toolchain;
            }
            else
            {
                missing[architecture] = problem!;
            }
        }

        var kvm = await ProbeKvmAsync(host, cancellationToken).ConfigureAwait(false);
        List<HypervisorProbe> hypervisors =
        [
            await ProbeQemuAsync(Architectures.X8664, useKvm: kvm.Works && host == Architectures.X8664, cancellationToken).ConfigureAwait(false),
            await ProbeQemuAsync(Architectures.Arm64, useKvm: kvm.Works && host == Architectures.Arm64, cancellationToken).ConfigureAwait(false),
            ProbeFirecracker(kvm),
            await ProbeXenAsync(cancellationToken).ConfigureAwait(false),
            ExecutableLocator.Find("script") is null
                ? new HypervisorProbe("linuxu", host, "util-linux 'script' is missing (needed for a pseudo-terminal)")
                : new HypervisorProbe("linuxu", $"{host} processes", null),
        ];

        var x86 = hypervisors.First(h => h.Name == $"qemu-{Architectures.X8664}");
        var emulatedFeatures = x86.Works && !(kvm.Works && host == Architectures.X8664)
            ? await ProbeEmulatedX8664FeaturesAsync(cancellationToken).ConfigureAwait(false)
            : null;
        var missingTools = BuildTools.Missing();
        var detected = new List<string>();
        foreach (var platform in missingTools.Count > 0 ? [] : PlatformOrder)
        {
            foreach (var architecture in ToolchainLocator.Supported)
            {
                if (toolchains.ContainsKey(architecture) && CanBoot(platform, architecture, host, hypervisors))
                {
                    detected.Add(Queues.For(platform, architecture));
                }
            }
        }

        detected.AddRange(CpuQueues.Of(detected, kvm.Works, host));
        var queues = configuredQueues is { Count: > 0 } ? detected.Where(q => CpuQueues.Kept(q, configuredQueues)).ToList() : detected;
        return new HostCapabilities(host, toolchains, missing, kvm, hypervisors, detected, queues) { MissingBuildTools = missingTools, EmulatedX8664Features = emulatedFeatures };
    }

    /// <summary>The smoke runner for each platform of this host, set up from what the probes found.</summary>
    public static IReadOnlyList<Smoke.ISmokeRunner> Runners(HostCapabilities capabilities) =>
    [
        new Smoke.QemuRunner(Architectures.X8664, useKvm: capabilities.KvmWorks && capabilities.HostArchitecture == Architectures.X8664),
        new Smoke.QemuRunner(Architectures.Arm64, useKvm: capabilities.KvmWorks && capabilities.HostArchitecture == Architectures.Arm64),
        new Smoke.LinuxuRunner(capabilities.HostArchitecture),
        new Smoke.FirecrackerRunner(capabilities.HostArchitecture, capabilities.Kvm.Problem),
        new Smoke.XenRunner(capabilities.HostArchitecture, capabilities.Hypervisor("xen")?.Problem),
    ];

    private static bool CanBoot(string platform, string architecture, string host, IReadOnlyList<HypervisorProbe> hypervisors)
    {
        bool Works(string name) => hypervisors.FirstOrDefault(h => h.Name == name)?.Works == true;
        return platform switch
        {
            Platforms.Qemu => Works($"qemu-{architecture}"),
            Platforms.Firecracker => architecture == host && Works("firecracker"),
            Platforms.Xen => architecture == host && Works("xen"),
            Platforms.Linuxu => architecture == host && Works("linuxu"),
            _ => false,
        };
    }

    private static async Task<HypervisorProbe> ProbeKvmAsync(string host, CancellationToken cancellationToken)
    {
        if (!File.Exists("/dev/kvm"))
        {
            return new HypervisorProbe("kvm", "/dev/kvm", "/dev/kvm does not exist");
        }

        var qemu = await ProbeQemuAsync(host, useKvm: true, cancellationToken).ConfigureAwait(false);
        return qemu.Works
            ? new HypervisorProbe("kvm", "probe boot under KVM succeeded", null)
            : new HypervisorProbe("kvm", "/dev/kvm exists", $"a probe boot under KVM failed: {qemu.Problem}");
    }

    private static async Task<HypervisorProbe> ProbeQemuAsync(string architecture, bool useKvm, CancellationToken cancellationToken)
    {
        var name = $"qemu-{architecture}";
        var runner = new Smoke.QemuRunner(architecture, useKvm);
        if (runner.UnavailableReason is { } missing)
        {
            return new HypervisorProbe(name, runner.Binary, missing);
        }

        var directory = Directory.CreateTempSubdirectory("farm-probe-");
        try
        {
            var kernel = Path.Combine(directory.FullName, "probe.elf");
            await File.WriteAllBytesAsync(kernel, architecture == Architectures.Arm64 ? ProbeKernel.Arm64() : ProbeKernel.X8664(), cancellationToken).ConfigureAwait(false);
            var request = new Smoke.SmokeRequest(kernel, Platforms.Qemu, architecture, new Smoke.SmokeExpectation(Smoke.SmokeExpectation.Banner, ProbeTimeout, null), directory.FullName);
            var (outcome, output) = await ProcessRunner.CaptureAsync(new ProcessSpec(runner.Binary, runner.Arguments(request)), ProbeTimeout, cancellationToken).ConfigureAwait(false);
            var expected = architecture == Architectures.Arm64 ? 0 : ProbeKernel.X8664ExpectedExitCode;
            var mode = useKvm ? "kvm" : "emulated";
            if (outcome.ExitCode == expected && output.Contains(ProbeKernel.Marker, StringComparison.Ordinal))
            {
                return new HypervisorProbe(name, $"{runner.Binary} ({mode}, probe boot {outcome.Elapsed.TotalSeconds:0.00} s)", null);
            }

            var detail = outcome.TimedOut ? $"no exit within {ProbeTimeout.TotalSeconds:0} s"
                : output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit {outcome.ExitCode}";
            return new HypervisorProbe(name, $"{runner.Binary} ({mode})", $"probe boot failed: {detail}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The CPU features QEMU's emulation gives an x86_64 guest, as CPUID tells a probe kernel. TCG has RDRAND but not
    /// RDSEED (QEMU 7.2 drops <c>+rdseed</c> with a warning), and Unikraft's libukrandom needs both.
    /// </summary>
    private static async Task<IReadOnlySet<string>?> ProbeEmulatedX8664FeaturesAsync(CancellationToken cancellationToken)
    {
        var runner = new Smoke.QemuRunner(Architectures.X8664, useKvm: false);
        var directory = Directory.CreateTempSubdirectory("farm-probe-");
        try
        {
            var kernel = Path.Combine(directory.FullName, "cpuid.elf");
            await File.WriteAllBytesAsync(kernel, ProbeKernel.X8664CpuFeatures(), cancellationToken).ConfigureAwait(false);
            var request = new Smoke.SmokeRequest(kernel, Platforms.Qemu, Architectures.X8664, new Smoke.SmokeExpectation(Smoke.SmokeExpectation.Banner, ProbeTimeout, null), directory.FullName);
            var (outcome, output) = await ProcessRunner.CaptureAsync(new ProcessSpec(runner.Binary, runner.Arguments(request)), ProbeTimeout, cancellationToken).ConfigureAwait(false);
            var marker = output.IndexOf(ProbeKernel.Marker, StringComparison.Ordinal);
            if (outcome.ExitCode != ProbeKernel.X8664ExpectedExitCode || marker < 0)
            {
                return null;
            }

            return output[(marker + 1)..].TakeWhile(ProbeKernel.FeatureLetters.ContainsKey).Select(c => ProbeKernel.FeatureLetters[c]).ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static HypervisorProbe ProbeFirecracker(HypervisorProbe kvm) =>
        ExecutableLocator.Find("firecracker") is null ? new HypervisorProbe("firecracker", "firecracker", "firecracker is not installed")
        : kvm.Works ? new HypervisorProbe("firecracker", "firecracker with KVM", null)
        : new HypervisorProbe("firecracker", "firecracker", $"needs KVM: {kvm.Problem}");

    private static async Task<HypervisorProbe> ProbeXenAsync(CancellationToken cancellationToken)
    {
        if (ExecutableLocator.Find("xl") is null)
        {
            return new HypervisorProbe("xen", "xl", "the Xen toolstack (xl) is not installed; this host is not a Xen dom0");
        }

        var (outcome, output) = await ProcessRunner.CaptureAsync(new ProcessSpec("xl", ["info"]), ProbeTimeout, cancellationToken).ConfigureAwait(false);
        return outcome.Succeeded
            ? new HypervisorProbe("xen", "xl info answered (dom0)", null)
            : new HypervisorProbe("xen", "xl", $"xl info failed: {output.Split('\n').FirstOrDefault()?.Trim()}");
    }
}

using Farm.Worker.Capabilities;
using Farm.Core.Processes;

namespace Farm.Worker.Tests.Capabilities;

/// <summary>Detection on this very host: what it finds must match what is installed and what boots.</summary>
public sealed class CapabilityDetectorTests
{
    [Fact]
    public async Task Detect_InstalledQemu_IsProvenByAProbeBootAndServesItsQueue()
    {
        Assert.SkipWhen(ExecutableLocator.Find("qemu-system-x86_64") is null, "qemu-system-x86_64 is not installed on this host");

        var capabilities = await CapabilityDetector.DetectAsync(null, TestContext.Current.CancellationToken);

        var qemu = capabilities.Hypervisor("qemu-x86_64")!;
        Assert.True(qemu.Works, qemu.Problem);
        Assert.Contains("probe boot", qemu.Detail, StringComparison.Ordinal);
        Assert.Contains("qemu-x86_64", capabilities.Queues);
    }

    [Fact]
    public async Task Detect_KvmDevicePresent_IsUsedOnlyWhenTheProbeBootWorks()
    {
        var capabilities = await CapabilityDetector.DetectAsync(null, TestContext.Current.CancellationToken);

        if (!File.Exists("/dev/kvm"))
        {
            Assert.Equal("/dev/kvm does not exist", capabilities.Kvm.Problem);
        }
        else if (!capabilities.Kvm.Works)
        {
            Assert.StartsWith("a probe boot under KVM failed", capabilities.Kvm.Problem, StringComparison.Ordinal);
            Assert.Contains("emulated", capabilities.Hypervisor("qemu-x86_64")!.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Detect_ConfiguredQueues_RestrictButNeverAdd()
    {
        var capabilities = await CapabilityDetector.DetectAsync(["linuxu-x86_64", "xen-arm64"], TestContext.Current.CancellationToken);

        Assert.DoesNotContain("xen-arm64", capabilities.Queues);
        Assert.All(capabilities.Queues, q => Assert.Contains(q, capabilities.DetectedQueues));
        Assert.Equal(capabilities.DetectedQueues.Contains("linuxu-x86_64") ? ["linuxu-x86_64"] : [], capabilities.Queues);
    }

    [Fact]
    public async Task Detect_QueuesNeedACompilerForTheArchitecture()
    {
        var capabilities = await CapabilityDetector.DetectAsync(null, TestContext.Current.CancellationToken);

        Assert.All(capabilities.Queues, q => Assert.Contains(q[(q.IndexOf('-', StringComparison.Ordinal) + 1)..], capabilities.Toolchains.Keys));
        foreach (var (architecture, problem) in capabilities.MissingToolchains)
        {
            Assert.DoesNotContain(capabilities.Queues, q => q.EndsWith("-" + architecture, StringComparison.Ordinal));
            Assert.False(string.IsNullOrEmpty(problem));
        }
    }

    [Fact]
    public async Task CapabilitiesCommand_Json_ListsQueuesAndHypervisors()
    {
        var run = await Cli.WorkerRun.OfAsync("capabilities", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.Stdout);
        Assert.Equal(CapabilityDetector.HostArchitecture, json.RootElement.GetProperty("hostArchitecture").GetString());
        Assert.Contains(json.RootElement.GetProperty("hypervisors").EnumerateArray(), h => h.GetProperty("name").GetString() == "kvm");
        Assert.Equal(JsonValueKindArray, json.RootElement.GetProperty("queues").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindArray = System.Text.Json.JsonValueKind.Array;
}

using System.Reflection;
using System.Text.Json;

namespace Farm.Worker.Capabilities;

/// <summary>
/// What a worker registers about itself (<c>farm.workers.capabilities</c>), as JSON the dashboard shows: the host, this
/// program's version, and one line of what it builds and boots (architectures and their compilers, KVM or emulation,
/// each hypervisor and why one does not work).
/// </summary>
internal static class WorkerDescription
{
    public static string Json(HostCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var architectures = string.Join(", ", capabilities.Toolchains.Keys.Order(StringComparer.Ordinal));
        var hypervisors = string.Join("; ", capabilities.Hypervisors.Select(h => h.Works ? $"{h.Name}: {h.Detail}" : $"{h.Name}: no ({h.Problem})"));
        var summary = $"builds {architectures}; {(capabilities.KvmWorks ? "KVM" : "no KVM (emulated)")}; {hypervisors}";
        var version = typeof(WorkerDescription).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return JsonSerializer.Serialize(new { host = Environment.MachineName, version, summary, architectures = capabilities.Toolchains.Keys, kvm = capabilities.KvmWorks });
    }
}

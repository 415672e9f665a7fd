using Farm.Core.Kraftfiles;
using Farm.Core.Planning;

namespace Farm.Worker.Capabilities;

/// <summary>
/// The extra queues of a worker whose guests get the host's CPU (<see cref="Queues.WithCpu"/>, e.g.
/// <c>qemu-x86_64-kvm</c>): an x86_64 host where KVM works gives a QEMU guest RDRAND and RDSEED, which emulation lacks,
/// so it also takes the targets an emulating worker had to skip for them.
/// </summary>
internal static class CpuQueues
{
    /// <summary>The <c>-kvm</c> queues a host adds to <paramref name="detected"/>: only for x86_64 QEMU booted under working KVM.</summary>
    public static IReadOnlyList<string> Of(IReadOnlyList<string> detected, bool kvmWorks, string host)
    {
        var qemu = Queues.For(Platforms.Qemu, Architectures.X8664);
        return kvmWorks && host == Architectures.X8664 && detected.Contains(qemu) ? [Queues.WithCpu(qemu)!] : [];
    }

    /// <summary>
    /// Whether a configured queue list (<c>Farm__Worker__Queues__N</c>) keeps <paramref name="queue"/>: named itself, or
    /// a <c>-kvm</c> queue whose plain queue is named (a list written before these queues existed keeps serving them).
    /// </summary>
    public static bool Kept(string queue, IReadOnlyList<string> configured) =>
        configured.Contains(queue)
        || (queue.EndsWith(Queues.KvmSuffix, StringComparison.Ordinal) && configured.Contains(queue[..^Queues.KvmSuffix.Length]));
}

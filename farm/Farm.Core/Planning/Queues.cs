namespace Farm.Core.Planning;

/// <summary>Hangfire queue names: one per platform and architecture. Hangfire allows only lowercase letters, digits, '_' and '-'.</summary>
public static class Queues
{
    /// <summary>What <see cref="WithCpu"/> appends: the queue of workers whose guests get the host's CPU (KVM).</summary>
    public const string KvmSuffix = "-kvm";

    public static string For(string platform, string architecture) => $"{platform}-{architecture}";

    /// <summary>
    /// The queue of <paramref name="queue"/>'s workers that boot with KVM, whose guest has the host CPU's features (RDSEED):
    /// a target skipped on an emulating worker for a CPU feature moves there. Null for a queue that is already one.
    /// </summary>
    public static string? WithCpu(string queue) =>
        queue.EndsWith(KvmSuffix, StringComparison.Ordinal) ? null : queue + KvmSuffix;
}

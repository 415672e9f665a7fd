using Farm.Core.Builds;
using Farm.State.Postgres;
using Farm.Worker.Capabilities;
using Farm.Worker.Jobs;
using Farm.Worker.Pipeline;
using Farm.Worker.Smoke;
using Farm.Worker.Targets;

namespace Farm.Worker.Tests.Jobs;

/// <summary>
/// Which queue a target skipped on an emulating worker moves to: only a skip for a missing CPU feature, only from a
/// plain queue to its <c>-kvm</c> twin, only when a live, serving worker takes that queue; and which workers serve it.
/// </summary>
public sealed class CpuRerouteTests
{
    private const string Plain = "qemu-x86_64";
    private const string Kvm = "qemu-x86_64-kvm";
    private static readonly string[] EmulatingWorker = [Plain, "qemu-arm64"];

    private static readonly TargetOutcome LacksRdseed = new(TargetState.Skipped, "the kernel needs RDSEED (CONFIG_LIBUKRANDOM=y ...") { LackingCpu = ["rdseed"] };

    private static WorkerInfo Worker(string name, bool alive, params string[] queues) =>
        new(name, queues, "{}", DateTime.UtcNow, DateTime.UtcNow, alive);

    public static TheoryData<string, bool, string?> Cases => new()
    {
        // skip kind × KVM worker: live, absent, stale, draining, serving only the plain queue.
        { "cpu", true, Kvm },
        { "cpu", false, null },
        { "other-skip", true, null },
        { "failed", true, null },
        { "succeeded", true, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void QueueFor_SkipKindTimesLiveKvmWorker(string kind, bool kvmWorkerLive, string? expected)
    {
        var outcome = kind switch
        {
            "cpu" => LacksRdseed,
            "other-skip" => new TargetOutcome(TargetState.Skipped, "cannot boot fc/x86_64: firecracker is not installed"),
            "failed" => new TargetOutcome(TargetState.Failed, "smoke test failed") { LackingCpu = ["rdseed"] },
            _ => new TargetOutcome(TargetState.Succeeded, null),
        };
        IReadOnlyList<WorkerInfo> workers = kvmWorkerLive ? [Worker("tcg", true, EmulatingWorker), Worker("kvm", true, Plain, Kvm)] : [Worker("tcg", true, EmulatingWorker)];

        Assert.Equal(expected, CpuReroute.QueueFor(outcome, Plain, EmulatingWorker, workers));
    }

    [Fact]
    public void QueueFor_KvmWorkerStaleDrainingOrNotServingTheQueue_StaysSkipped()
    {
        Assert.Null(CpuReroute.QueueFor(LacksRdseed, Plain, EmulatingWorker, [Worker("kvm", false, Plain, Kvm)]));
        Assert.Null(CpuReroute.QueueFor(LacksRdseed, Plain, EmulatingWorker, [Worker("kvm", true, Plain, Kvm) with { Drain = WorkerDrain.Draining }]));
        Assert.Null(CpuReroute.QueueFor(LacksRdseed, Plain, EmulatingWorker, [Worker("other", true, Plain)]));
    }

    [Fact]
    public void QueueFor_AlreadyOnTheKvmQueueOrServingItHere_NeverMovesAgain()
    {
        IReadOnlyList<WorkerInfo> workers = [Worker("kvm", true, Plain, Kvm)];

        Assert.Null(CpuReroute.QueueFor(LacksRdseed, Kvm, [Plain, Kvm], workers));
        Assert.Null(CpuReroute.QueueFor(LacksRdseed, Plain, [Plain, Kvm], workers));
    }

    [Fact]
    public void CpuQueues_OnlyAnX8664HostWithWorkingKvmAndQemu_ServesTheKvmQueue()
    {
        Assert.Equal([Kvm], CpuQueues.Of([Plain, "qemu-arm64"], kvmWorks: true, "x86_64"));
        Assert.Empty(CpuQueues.Of([Plain], kvmWorks: false, "x86_64"));
        Assert.Empty(CpuQueues.Of(["qemu-arm64"], kvmWorks: true, "x86_64"));
        Assert.Empty(CpuQueues.Of([Plain], kvmWorks: true, "arm64"));
    }

    [Fact]
    public void CpuQueues_AConfiguredListKeepsTheKvmQueueOfAPlainQueueItNames()
    {
        Assert.True(CpuQueues.Kept(Kvm, [Plain]));
        Assert.True(CpuQueues.Kept(Kvm, [Kvm]));
        Assert.False(CpuQueues.Kept(Kvm, ["qemu-arm64"]));
        Assert.False(CpuQueues.Kept(Plain, [Kvm]));
    }

    [Fact]
    public void Outcome_ASkipForAMissingCpuFeature_CarriesTheFeatures_AFailureDoesNot()
    {
        var smoke = SmokeResult.Unavailable("qemu-x86_64", "the kernel needs RDSEED") with { LackingCpu = ["rdseed"] };
        TargetResult Result(string? failure) => new("hello", "qemu", "x86_64", null, null, 1, null, smoke, failure) { SkipReason = "the kernel needs RDSEED" };

        Assert.Equal(["rdseed"], TargetOutcomes.NotSucceeded(Result(null)).LackingCpu);
        Assert.Empty(TargetOutcomes.NotSucceeded(Result("compile error")).LackingCpu);
        Assert.Equal(["rdseed"], KernelCpuNeeds.Missing([("rdrand", "x"), ("rdseed", "x")], new HashSet<string> { "rdrand" }));
    }
}

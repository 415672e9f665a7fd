using Farm.Core.Planning;

namespace Farm.Core.Tests.Planning;

/// <summary>
/// The plan stored with a target is what its worker builds: it comes back exactly as planned, and a plan the worker
/// cannot use (none, from an older farm; another version; damaged) is refused with a reason, never guessed at.
/// </summary>
public sealed class TargetPlanTests
{
    private static readonly TargetJob Job = new(
        "hello", "qemu", "arm64", "qemu-arm64", "hello_qemu-arm64",
        [new("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD", "y"), new("CONFIG_APP_GREETING", "\"hi, \\\"you\\\"\"")],
        new WorkerRequirements("arm64", "qemu", false));

    private const string Kraftfile = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Parse_WrittenPlan_ComesBackAsPlanned()
    {
        var plan = new TargetPlan(Job, Kraftfile, "0123456789abcdef0123456789abcdef01234567");

        var (read, problem) = TargetPlan.Parse(plan.ToJson());

        Assert.Null(problem);
        Assert.NotNull(read);
        Assert.Equal(Job with { KConfig = [], Requires = Job.Requires }, read.Job with { KConfig = [] });
        Assert.Equal(Job.KConfig, read.Job.KConfig);
        Assert.True(read.Job.EmbedsInitrd);
        Assert.Equal(plan.KraftfileDigest, read.KraftfileDigest);
        Assert.Equal(plan.GitCommit, read.GitCommit);
    }

    [Fact]
    public void Parse_UploadPlan_HasNoCommit()
    {
        var (read, _) = TargetPlan.Parse(new TargetPlan(Job, Kraftfile, null).ToJson());

        Assert.Null(read!.GitCommit);
    }

    [Fact]
    public void Parse_NoPlan_NamesTheOlderFarmAndTheUpgradeOrder()
    {
        var (read, problem) = TargetPlan.Parse(null);

        Assert.Null(read);
        Assert.Equal("this target was planned by an older farm that did not store its plan: upgrade the farm before its workers, then submit the build again", problem);
    }

    [Fact]
    public void Parse_PlanOfANewerVersion_IsRefusedNamingBothVersions()
    {
        var newer = "{\"version\":2,\"target\":{\"another\":\"shape\"}}";

        var (read, problem) = TargetPlan.Parse(newer);

        Assert.Null(read);
        Assert.Equal("the target's stored plan is of version 2, this worker reads version 1: run the same release on the farm and its workers", problem);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"version\":1}")]
    [InlineData("{\"version\":1,\"job\":{\"target\":\"a\"},\"kraftfileDigest\":\"sha256:00\"}")]
    [InlineData("{\"version\":1,\"job\":null,\"kraftfileDigest\":\"sha256:00\"}")]
    [InlineData("[]")]
    [InlineData("null")]
    public void Parse_DamagedPlan_IsRefusedWithAReason(string json)
    {
        var (read, problem) = TargetPlan.Parse(json);

        Assert.Null(read);
        Assert.Contains("submit the build again", problem ?? "(none)", StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KraftfileDigestWithoutAlgorithm_IsRefused()
    {
        var (read, problem) = TargetPlan.Parse(new TargetPlan(Job, "0123", null).ToJson());

        Assert.Null(read);
        Assert.Equal("the target's stored plan is incomplete; submit the build again", problem);
    }
}

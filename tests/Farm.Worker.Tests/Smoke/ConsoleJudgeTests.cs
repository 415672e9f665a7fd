using System.Text.RegularExpressions;
using Farm.Worker.Smoke;

namespace Farm.Worker.Tests.Smoke;

/// <summary>The verdict rules, one per way a boot can go.</summary>
public sealed class ConsoleJudgeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static SmokeExpectation Expect(string pattern, int? exit = null) => new(new Regex(pattern), Timeout, exit);

    [Fact]
    public void Judge_ExpectedOutputAndCleanExit_Passes()
    {
        var (status, reason) = ConsoleJudge.Judge(Expect("Hello"), "Powered by\nHello\n", GuestEnd.Exited(0), Timeout);

        Assert.Equal(SmokeStatus.Passed, status);
        Assert.Null(reason);
    }

    [Fact]
    public void Judge_DefaultExpectationAndStillRunningAtTimeout_PassesLikeAServer()
    {
        var (status, _) = ConsoleJudge.Judge(new SmokeExpectation(SmokeExpectation.Banner, Timeout, null), "Powered by\nlistening on :8080\n", GuestEnd.StillRunning, Timeout);

        Assert.Equal(SmokeStatus.Passed, status);
    }

    [Fact]
    public void Judge_PowerOffCountsAsStatusZero()
    {
        Assert.Equal(SmokeStatus.Passed, ConsoleJudge.Judge(Expect("Hello", exit: 0), "Hello\n", GuestEnd.PoweredOff, Timeout).Status);
    }

    [Fact]
    public void Judge_CrashMarkerAfterTheExpectedOutput_FailsWithTheCrashLine()
    {
        var (status, reason) = ConsoleJudge.Judge(Expect("Hello"), "Hello\n[fixture] CRIT: crash: exception 6\n", GuestEnd.Exited(127), Timeout);

        Assert.Equal(SmokeStatus.Failed, status);
        Assert.Equal("the kernel crashed: [fixture] CRIT: crash: exception 6", reason);
    }

    [Fact]
    public void Judge_KilledBySignal_FailsAsACrash()
    {
        var (status, reason) = ConsoleJudge.Judge(Expect("Hello"), "Hello\n", GuestEnd.Crashed("killed by signal 11"), Timeout);

        Assert.Equal(SmokeStatus.Failed, status);
        Assert.Equal("the kernel crashed: killed by signal 11", reason);
    }

    [Fact]
    public void Judge_NothingExpectedBeforeTheTimeout_FailsAsAHang()
    {
        var (status, reason) = ConsoleJudge.Judge(Expect("Hello"), "starting\n", GuestEnd.StillRunning, Timeout);

        Assert.Equal(SmokeStatus.Failed, status);
        Assert.Equal("no output matching /Hello/ within 5 s (the kernel hangs or prints something else)", reason);
    }

    [Fact]
    public void Judge_ExitedWithoutTheExpectedOutput_Fails()
    {
        var (_, reason) = ConsoleJudge.Judge(Expect("Hello"), "\u0001\u00ff garbage\n", GuestEnd.Exited(0), Timeout);

        Assert.Equal("the kernel ended (exit status 0) without printing anything matching /Hello/", reason);
    }

    [Fact]
    public void Judge_WrongExitStatus_NamesBoth()
    {
        var (_, reason) = ConsoleJudge.Judge(Expect("Hello", exit: 0), "Hello\n", GuestEnd.Exited(3), Timeout);

        Assert.Equal("the kernel ended (exit status 3), expected exit status 0", reason);
    }

    [Fact]
    public void Judge_NonZeroExitWithoutAnExitExpectation_Fails()
    {
        Assert.Equal(SmokeStatus.Failed, ConsoleJudge.Judge(Expect("Hello"), "Hello\n", GuestEnd.Exited(1), Timeout).Status);
    }

    [Fact]
    public void Judge_HypervisorError_FailsNamingIt()
    {
        var (_, reason) = ConsoleJudge.Judge(Expect("Hello"), string.Empty, GuestEnd.HostError("qemu-system-x86_64: Error loading kernel"), Timeout);

        Assert.Equal("the hypervisor failed: qemu-system-x86_64: Error loading kernel", reason);
    }

    [Fact]
    public void Tail_ControlCharacters_AreMadeVisible()
    {
        var tail = ConsoleJudge.Tail("one\r\ntwo\u0007\nthree\n", lines: 2);

        Assert.Equal(["two\\x07", "three"], tail);
    }
}

using Farm.Core.Processes;

namespace Farm.Worker.Tests.Sandboxing;

/// <summary>
/// bubblewrap's <c>--die-with-parent</c> is PR_SET_PDEATHSIG, bound to the thread that forked it: a sandboxed build
/// started from a thread that then ended (a thread-pool thread the pool retired) was SIGKILLed mid-build (exit 137,
/// seen on real Unikraft builds of a few minutes). Processes are forked from a thread that lives as long as they do.
/// </summary>
public sealed class DieWithParentTests
{
    [Fact]
    public async Task DieWithParent_ProcessStartedByAThreadThatEnds_RunsToItsOwnEnd()
    {
        Assert.SkipWhen(ExecutableLocator.Find("bwrap") is null, "bubblewrap (bwrap) is not installed");
        Task<ProcessOutcome>? running = null;
        var starter = new Thread(() => running = ProcessRunner.RunAsync(
            new ProcessSpec("bwrap", ["--die-with-parent", "--ro-bind", "/", "/", "/bin/sh", "-c", "sleep 2"]),
            _ => { },
            TimeSpan.FromSeconds(60)));
        starter.Start();
        starter.Join(); // the thread that asked for the process is gone before the process ends

        var outcome = await running!;

        Assert.Equal(0, outcome.ExitCode);
    }
}

using System.Text;
using Farm.Core.Processes;

namespace Farm.Worker.Smoke;

/// <summary>
/// Runs a hypervisor process for at most the expectation's timeout, capturing its console (stdout and stderr as
/// they arrive) and handing the exit code to a runner-specific mapping into a <see cref="GuestEnd"/>.
/// </summary>
internal static class GuestProcess
{
    /// <param name="devices">Devices the hypervisor needs in its sandbox (<c>/dev/kvm</c>).</param>
    /// <param name="sandboxed">False only for a tool that must reach the host's hypervisor daemon (Xen's <c>xl</c>); the guest is isolated by the hypervisor.</param>
    public static async Task<SmokeResult> RunAsync(
        string runner, ProcessSpec spec, SmokeRequest request, Func<int, string, GuestEnd> mapExit, CancellationToken cancellationToken,
        IReadOnlyList<string>? devices = null, bool sandboxed = true)
    {
        var console = new StringBuilder();
        void Collect(string line) => console.Append(line).Append('\n');
        var policy = new Sandboxing.SandboxPolicy
        {
            ReadOnly = [request.KernelPath, .. request.InitrdPath is { } initrd ? [initrd] : Array.Empty<string>()],
            Writable = [request.WorkDirectory],
            Devices = devices ?? [],
        };
        var outcome = sandboxed
            ? await request.Sandbox.RunAsync(spec, policy, Collect, request.Expectation.Timeout, cancellationToken).ConfigureAwait(false)
            : await ProcessRunner.RunAsync(spec, Collect, request.Expectation.Timeout, cancellationToken).ConfigureAwait(false);
        var text = console.ToString();
        var end = outcome switch
        {
            { StartError: { } error } => GuestEnd.HostError(error),
            { LimitExceeded: { } limit } => GuestEnd.HostError($"{spec.FileName} {limit}"),
            { TimedOut: true } => GuestEnd.StillRunning,
            { ExitCode: { } code } => mapExit(code, text),
            _ => GuestEnd.HostError("no exit status"),
        };
        var (status, reason) = ConsoleJudge.Judge(request.Expectation, text, end, request.Expectation.Timeout);
        return new SmokeResult(status, runner, outcome.Elapsed, reason, text);
    }
}

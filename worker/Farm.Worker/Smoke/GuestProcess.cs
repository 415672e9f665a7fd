using System.Text;
using Farm.Worker.Processes;

namespace Farm.Worker.Smoke;

/// <summary>
/// Runs a hypervisor process for at most the expectation's timeout, capturing its console (stdout and stderr as
/// they arrive) and handing the exit code to a runner-specific mapping into a <see cref="GuestEnd"/>.
/// </summary>
internal static class GuestProcess
{
    public static async Task<SmokeResult> RunAsync(
        string runner, ProcessSpec spec, SmokeRequest request, Func<int, string, GuestEnd> mapExit, CancellationToken cancellationToken)
    {
        var console = new StringBuilder();
        var outcome = await ProcessRunner.RunAsync(spec, line => console.Append(line).Append('\n'), request.Expectation.Timeout, cancellationToken).ConfigureAwait(false);
        var text = console.ToString();
        var end = outcome switch
        {
            { StartError: { } error } => GuestEnd.HostError(error),
            { TimedOut: true } => GuestEnd.StillRunning,
            { ExitCode: { } code } => mapExit(code, text),
            _ => GuestEnd.HostError("no exit status"),
        };
        var (status, reason) = ConsoleJudge.Judge(request.Expectation, text, end, request.Expectation.Timeout);
        return new SmokeResult(status, runner, outcome.Elapsed, reason, text);
    }
}

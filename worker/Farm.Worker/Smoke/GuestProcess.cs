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
    /// <param name="ask">For a server: asks it while it runs (HTTP); a non-null answer stops the guest as passed.</param>
    public static async Task<SmokeResult> RunAsync(
        string runner, ProcessSpec spec, SmokeRequest request, Func<int, string, GuestEnd> mapExit, CancellationToken cancellationToken,
        IReadOnlyList<string>? devices = null, bool sandboxed = true, Func<CancellationToken, Task<(string? Answer, string Last)>>? ask = null)
    {
        var console = new StringBuilder();
        // A server is asked only once the kernel printed what a boot prints: before that, an answer on the forwarded port
        // could not be the guest's, and a guest stopped at its first answer must already have shown its boot.
        var booted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string line)
        {
            lock (console)
            {
                console.Append(line).Append('\n');
                if (!booted.Task.IsCompleted && request.Expectation.Expect.IsMatch(console.ToString()))
                {
                    booted.TrySetResult();
                }
            }
        }

        var policy = new Sandboxing.SandboxPolicy
        {
            ReadOnly = [request.KernelPath, .. request.InitrdPath is { } initrd ? [initrd] : Array.Empty<string>()],
            Writable = [request.WorkDirectory],
            Devices = devices ?? [],
            ShareNetwork = ask is not null,
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<(string? Answer, string Last)>? asking = null;
        if (ask is not null)
        {
            asking = Task.Run(
                async () =>
                {
                    try
                    {
                        await booted.Task.WaitAsync(stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return (null, "the kernel never printed its boot");
                    }

                    var result = await ask(stop.Token).ConfigureAwait(false);
                    if (result.Answer is not null)
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }

                    return result;
                },
                CancellationToken.None);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        ProcessOutcome outcome;
        try
        {
            outcome = sandboxed
                ? await request.Sandbox.RunAsync(spec, policy, Collect, request.Expectation.Timeout, stop.Token).ConfigureAwait(false)
                : await ProcessRunner.RunAsync(spec, Collect, request.Expectation.Timeout, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The server answered: the guest was stopped while still running.
            outcome = new ProcessOutcome(null, TimedOut: true, watch.Elapsed);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        var (answer, last) = asking is null ? (null, string.Empty) : await asking.ConfigureAwait(false);
        string text;
        lock (console)
        {
            text = console.ToString();
        }

        var end = outcome switch
        {
            { StartError: { } error } => GuestEnd.HostError(error),
            { LimitExceeded: { } limit } => GuestEnd.HostError($"{spec.FileName} {limit}"),
            { TimedOut: true } => GuestEnd.StillRunning,
            { ExitCode: { } code } => mapExit(code, text),
            _ => GuestEnd.HostError("no exit status"),
        };
        var (status, reason) = ConsoleJudge.Judge(request.Expectation with { Exit = ask is null ? request.Expectation.Exit : null }, text, end, request.Expectation.Timeout);
        if (ask is not null && request.Expectation.Http is { } http && status == SmokeStatus.Passed && answer is null)
        {
            (status, reason) = (SmokeStatus.Failed, $"no HTTP answer matching /{http.Expect}/ on guest port {http.Port} within {request.Expectation.Timeout.TotalSeconds:0.#} s (last: {(last.Length > 0 ? last : "nothing")})");
        }

        if (answer is not null)
        {
            text += $"farm: HTTP GET / on guest port {request.Expectation.Http?.Port}: {answer.Split('\n')[0]}\n";
        }

        return new SmokeResult(status, runner, outcome.Elapsed, reason, text);
    }
}

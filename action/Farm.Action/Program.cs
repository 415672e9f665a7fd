using Farm.Action;

// The program behind action.yml: reads the INPUT_* variables, builds locally (embedded farm) or on a farm, and
// reports back as an action does (outputs, step summary, annotations). Exit 0 when the build succeeded.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

using var http = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
return await ActionRun.RunAsync(Environment.GetEnvironmentVariable, Console.Out, http, cancel.Token).ConfigureAwait(false);

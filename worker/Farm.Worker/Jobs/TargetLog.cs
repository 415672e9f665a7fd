using System.Threading.Channels;
using Farm.Core.Builds;

namespace Farm.Worker.Jobs;

/// <summary>
/// A target's log on its way to the store: lines are queued as the build prints them (never blocking make's
/// output) and written in order by one writer, so that a live reader sees them as they were printed.
/// </summary>
internal sealed class TargetLog : IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public TargetLog(IBuildStore store, string buildId, string name)
    {
        _writer = Task.Run(async () =>
        {
            await foreach (var line in _lines.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await store.AppendLogAsync(buildId, name, line, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A log line lost to a database hiccup must not fail the build it describes.
                }
            }
        });
    }

    public void Write(string line) => _lines.Writer.TryWrite(line);

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}

using System.Diagnostics;
using System.Text;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>How the hostile-input tests run a parse (with a hang guard) and what a located error must look like.</summary>
public sealed partial class HostileInputTests
{
    private KraftfileParseResult ParseText(string text) => Timed(() => _parser.Parse(text, DisplayPath, _directory.FullName));

    private KraftfileParseResult ParseBytes(byte[] bytes) => Timed(() => _parser.Parse(bytes, DisplayPath, _directory.FullName));

    /// <summary>Runs a parse on a worker so that a hang fails the test after <see cref="HangLimit"/> instead of blocking the run.</summary>
    private static KraftfileParseResult Timed(Func<KraftfileParseResult> parse)
    {
        var stopwatch = Stopwatch.StartNew();
        var task = Task.Run(parse, TestContext.Current.CancellationToken);
        var finished = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(HangLimit);
        stopwatch.Stop();
        Assert.True(finished && stopwatch.Elapsed <= HangLimit, $"the parse ran for {stopwatch.Elapsed.TotalSeconds:0.#} s: it hangs");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The result is invalid with exactly one error, located inside <paramref name="text"/> (line at most its line
    /// count + 1, column at least 1; for an empty <paramref name="text"/> only 1:1 is inside), whose message holds <paramref name="expected"/>.
    /// </summary>
    private static Diagnostic AssertSingleLocatedError(KraftfileParseResult result, string text, string expected, string path = DisplayPath)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Kraftfile);
        var error = Assert.Single(result.Errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.File);
        Assert.Equal(path, result.Path);
        var lines = text.Split('\n').Length;
        Assert.InRange(error.Line, 1, lines + 1);
        Assert.True(error.Column >= 1, error.Format());
        return error;
    }

    /// <summary>Deterministic pseudo-random bytes (xorshift), NULs included.</summary>
    private static byte[] Garbage(int length, uint seed)
    {
        var bytes = new byte[length];
        var state = seed;
        for (var i = 0; i < length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            bytes[i] = (byte)state;
        }

        return bytes;
    }
}

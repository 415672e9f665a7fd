using Farm.Core.Builds;
using Spectre.Console;

namespace Farm.Embedded;

/// <summary>
/// What <c>farm build</c> shows while it runs: a live table (one row per target: phase, time, cache hits) on a
/// terminal, one line per change otherwise (CI logs, pipes), so that a log reads like the table did.
/// </summary>
internal sealed class BuildProgress
{
    private readonly IBuildStore _store;
    private readonly TextWriter _lines;
    private readonly Dictionary<(string, string), string> _shown = [];
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public BuildProgress(IBuildStore store, TextWriter lines)
    {
        _store = store;
        _lines = lines;
    }

    /// <summary>Waits until every build is final, showing progress; cancelling cancels the builds and waits for them.</summary>
    public async Task WaitAsync(IReadOnlyList<BuildRecord> builds, bool live, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() =>
        {
            foreach (var build in builds)
            {
                _ = _store.CancelAsync(build.Id, CancellationToken.None);
            }
        });
        if (live)
        {
            await AnsiConsole.Live(new Table()).AutoClear(false).StartAsync(async context =>
            {
                while (true)
                {
                    var (table, done) = await SnapshotAsync(builds).ConfigureAwait(false);
                    context.UpdateTarget(table);
                    if (done)
                    {
                        return;
                    }

                    await Task.Delay(250, CancellationToken.None).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return;
        }

        while (true)
        {
            var done = true;
            foreach (var build in builds)
            {
                foreach (var target in await _store.GetTargetsAsync(build.Id, CancellationToken.None).ConfigureAwait(false))
                {
                    var state = Describe(target);
                    if (!_shown.TryGetValue((build.Id, target.Name), out var last) || last != state)
                    {
                        _shown[(build.Id, target.Name)] = state;
                        await _lines.WriteLineAsync($"[{Elapsed()}] {build.App} {Label(build, target)}: {state}").ConfigureAwait(false);
                    }
                }

                done &= (await _store.GetAsync(build.Id, CancellationToken.None).ConfigureAwait(false))?.State.IsFinal() != false;
            }

            if (done)
            {
                return;
            }

            await Task.Delay(250, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<(Table Table, bool Done)> SnapshotAsync(IReadOnlyList<BuildRecord> builds)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"farm build · {Elapsed()}");
        foreach (var column in new[] { "app", "target", "phase", "build s", "boot s", "cache hits" })
        {
            table.AddColumn(column);
        }

        var done = true;
        foreach (var build in builds)
        {
            var current = await _store.GetAsync(build.Id, CancellationToken.None).ConfigureAwait(false);
            done &= current?.State.IsFinal() != false;
            foreach (var target in await _store.GetTargetsAsync(build.Id, CancellationToken.None).ConfigureAwait(false))
            {
                table.AddRow(
                    Markup.Escape(build.App),
                    Markup.Escape(Label(build, target)),
                    Colour(target),
                    target.BuildSeconds?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    target.BootSeconds?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    target.CacheHits + target.CacheMisses > 0 ? $"{target.CacheHits}/{target.CacheHits + target.CacheMisses}" : "");
            }
        }

        return (table, done);
    }

    private static string Colour(TargetRecord target)
    {
        var text = Markup.Escape(Describe(target));
        return target.State switch
        {
            TargetState.Succeeded => $"[green]{text}[/]",
            TargetState.Failed => $"[red]{text}[/]",
            TargetState.Skipped or TargetState.Cancelled => $"[yellow]{text}[/]",
            _ => text,
        };
    }

    public static string Describe(TargetRecord target) => target.State switch
    {
        TargetState.Running => target.Phase ?? "running",
        TargetState.Succeeded when target.Cached => "passed (target cache: not rebuilt)",
        TargetState.Succeeded => "passed",
        TargetState.Failed or TargetState.Skipped or TargetState.Cancelled => $"{target.State.Name()}: {target.Reason}",
        _ => target.State.Name(),
    };

    /// <summary>plat/arch, and the target's name when it is not the app's (two targets may share a platform).</summary>
    public static string Label(BuildRecord build, TargetRecord target) =>
        target.Target == build.App ? target.PlatformName : $"{target.PlatformName} ({target.Target})";

    private string Elapsed() => $"{(DateTimeOffset.UtcNow - _started).TotalSeconds:0.0}s";
}

using Farm.Cache.Compilation;

namespace Farm.Cache.Tests.Support;

/// <summary>One farm-cc run, in-process, and what it did: exit code, output, and the lines it added to <c>stats/events.log</c>.</summary>
internal sealed record CompileRun(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> Events)
{
    public const string Gcc = "gcc";

    public bool Hit => Has("hit");

    public bool Missed => Has("miss");

    /// <summary>
    /// Whether the run logged <paramref name="what"/>, compared word by word from the start of an event, so that
    /// <c>hit local</c> matches <c>hit local KEY</c> and <c>miss</c> matches <c>miss KEY</c>.
    /// </summary>
    public bool Has(string what) =>
        Events.Any(e => e == what || e.StartsWith(what + " ", StringComparison.Ordinal));

    /// <summary>Runs <c>farm-cc gcc ARGUMENTS</c> in <paramref name="workingDirectory"/>.</summary>
    public static CompileRun Of(CacheSettings settings, string workingDirectory, params string[] arguments) =>
        Of(Gcc, settings, workingDirectory, arguments);

    public static CompileRun Of(string compiler, CacheSettings settings, string workingDirectory, IReadOnlyList<string> arguments)
    {
        var log = settings.Directory is null ? null : Path.Combine(settings.Directory, "stats", "events.log");
        var before = EventLines(log).Count;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = FarmCc.Run(compiler, arguments, settings, stdout, stderr, workingDirectory);
        return new CompileRun(exitCode, stdout.ToString(), stderr.ToString(), EventLines(log).Skip(before).ToList());
    }

    /// <summary>For assertion messages: everything the run said.</summary>
    public override string ToString() =>
        $"exit {ExitCode}; events [{string.Join(", ", Events)}]; stderr:\n{Stderr}";

    private static IReadOnlyList<string> EventLines(string? log) =>
        log is not null && File.Exists(log) ? File.ReadAllLines(log) : [];
}

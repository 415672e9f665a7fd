using Farm.Core.Builds;
using Farm.Worker.Jobs;
using Farm.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Farm.Worker.Tests.Telemetry;

/// <summary>The operator's one line per finished target reads as a sentence whatever the target did.</summary>
public sealed class TargetActivityLogTests
{
    [Fact]
    public void Finished_ATargetCacheHit_SaysSoInsteadOfEmptyTimes()
    {
        var line = LineFor(new TargetOutcome(TargetState.Succeeded, null) { Cached = true });

        Assert.Equal("build b1: app_qemu-x86_64 (qemu-x86_64) succeeded; served by the target cache; reason: none", line);
    }

    [Fact]
    public void Finished_ABuiltAndBootedTarget_GivesBothTimes()
    {
        var line = LineFor(new TargetOutcome(TargetState.Succeeded, null) { BuildSeconds = 12.345, BootSeconds = 0.5 });

        Assert.Equal("build b1: app_qemu-x86_64 (qemu-x86_64) succeeded; build 12.35 s, boot 0.50 s; reason: none", line);
    }

    [Fact]
    public void Finished_ATargetThatFailedBeforeBuilding_SaysNotBuiltAndTheReason()
    {
        var line = LineFor(new TargetOutcome(TargetState.Failed, "this Unikraft version (0.17.0) has no linuxu platform"));

        Assert.Equal("build b1: app_qemu-x86_64 (qemu-x86_64) failed; not built; reason: this Unikraft version (0.17.0) has no linuxu platform", line);
    }

    private static string LineFor(TargetOutcome outcome)
    {
        var logger = new LastLine();
        new TargetActivityLog(logger, ITargetObserver.None).Finished("b1", "app_qemu-x86_64", "qemu-x86_64", outcome);
        return Assert.IsType<string>(logger.Line);
    }

    private sealed class LastLine : ILogger
    {
        public string? Line { get; private set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => Line = formatter(state, exception);
    }
}

using Microsoft.Extensions.Logging;

namespace Farm.Embedded;

/// <summary>
/// The embedded farm's log is <c>farm build</c>'s stderr, which its users read: one line, <c>farm: MESSAGE</c> (and the
/// exception's message), as the CLI has always printed it, not a logging framework's layout.
/// </summary>
internal sealed class CliErrorLogger(TextWriter stderr) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            stderr.WriteLine(exception is null ? $"farm: {formatter(state, null)}" : $"farm: {formatter(state, exception)}: {exception.Message}");
        }
    }
}

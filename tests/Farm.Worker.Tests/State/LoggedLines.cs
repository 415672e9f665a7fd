using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Farm.Worker.Tests.State;

/// <summary>A logger that keeps every line it is given, as an operator reading the process's log would see them.</summary>
internal sealed class LoggedLines : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
}

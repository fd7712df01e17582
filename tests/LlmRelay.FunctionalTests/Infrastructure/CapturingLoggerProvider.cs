using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>Keeps every log entry (event id, level, formatted message and exception text) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    public ConcurrentQueue<(EventId Event, LogLevel Level, string Text)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId, logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));

    public void Dispose()
    {
    }
}

using Microsoft.Extensions.Logging;

namespace LlmRelay.Health;

internal sealed partial class ChannelHealthTracker
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Channel {ChannelId} key #{KeyIndex} breaker opened for {BreakDuration}: {Failures} of {Calls} calls failed; last: {Reason}")]
    private static partial void LogBreakerOpened(ILogger logger, long channelId, int keyIndex, TimeSpan breakDuration, int failures, int calls, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Channel {ChannelId} key #{KeyIndex} breaker closed after a successful probe.")]
    private static partial void LogBreakerClosed(ILogger logger, long channelId, int keyIndex);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Channel {ChannelId} key #{KeyIndex} disabled: {Reason}")]
    private static partial void LogKeyDisabled(ILogger logger, long channelId, int keyIndex, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Channel {ChannelId} key #{KeyIndex} enabled.")]
    private static partial void LogKeyEnabled(ILogger logger, long channelId, int keyIndex);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error, Message = "A channel key status sink failed for channel {ChannelId} key #{KeyIndex}.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, long channelId, int keyIndex);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Channel {ChannelId} key #{KeyIndex} stays disabled (stored): {Reason}")]
    private static partial void LogKeyRestored(ILogger logger, long channelId, int keyIndex, string reason);
}

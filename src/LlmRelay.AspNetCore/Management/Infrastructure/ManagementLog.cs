using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Log messages of the management API; never carries passwords, keys or tokens.</summary>
internal static partial class ManagementLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Set-up created the root user {UserId}.")]
    public static partial void RootCreated(ILogger logger, long userId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Failed sign-in for user name {Username}.")]
    public static partial void LoginFailed(ILogger logger, string username);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Sign-in attempts for user name {Username} are rate limited.")]
    public static partial void LoginRateLimited(ILogger logger, string username);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "User {ActorId} {Action} channel {ChannelId}.")]
    public static partial void ChannelChanged(ILogger logger, long actorId, string action, long channelId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "User {ActorId} revealed the keys of channel {ChannelId}.")]
    public static partial void ChannelKeyRevealed(ILogger logger, long actorId, long channelId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Testing channel {ChannelId} failed: {Reason}")]
    public static partial void ChannelTestFailed(ILogger logger, long channelId, string reason);
}

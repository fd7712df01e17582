using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Log messages of the admin API; never carries the admin key, passwords, JWTs or upstream keys.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Failed admin sign-in from {Address}.")]
    public static partial void LoginFailed(ILogger logger, string address);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "The admin password was changed; JWTs of version {OldVersion} and earlier are no longer valid.")]
    public static partial void PasswordChanged(ILogger logger, int oldVersion);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "The admin configuration was exported with upstream keys included.")]
    public static partial void SecretsExported(ILogger logger);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Admin import ({Mode}): channels +{ChannelsAdded} ~{ChannelsUpdated} -{ChannelsRemoved}, tokens +{TokensAdded} ~{TokensUpdated} -{TokensRemoved}.")]
    public static partial void Imported(ILogger logger, string mode, int channelsAdded, int channelsUpdated, int channelsRemoved, int tokensAdded, int tokensUpdated, int tokensRemoved);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Admin runtime settings changed: {Keys}.")]
    public static partial void SettingsChanged(ILogger logger, string keys);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Admin {Action} {What} {Id}.")]
    public static partial void Changed(ILogger logger, string action, string what, string id);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "Admin batch import: keys +{KeysImported} (skipped {KeysSkipped}), accounts +{AccountsImported} (skipped {AccountsSkipped}).")]
    public static partial void BatchImported(ILogger logger, int keysImported, int keysSkipped, int accountsImported, int accountsSkipped);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Information, Message = "Admin cleared {Count} upstream captures.")]
    public static partial void CapturesCleared(ILogger logger, int count);
}

using LlmRelay.Usage;

namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>A usage-log row as the log routes show it; <c>null</c> fields are left out (channel details for non-admins, the IP on the public route).</summary>
internal sealed record LogView(
    long Id,
    long UserId,
    long CreatedAt,
    int Type,
    string Content,
    string? Username,
    long TokenId,
    string TokenName,
    string ModelName,
    long Quota,
    int PromptTokens,
    int CompletionTokens,
    int UseTime,
    bool IsStream,
    long? Channel,
    long? ChannelId,
    string? ChannelName,
    string Group,
    string? Ip,
    string Other,
    string RequestId)
{
    /// <summary>Builds the view; <paramref name="admin"/> adds the channel, <paramref name="withIp"/> the caller's address.</summary>
    public static LogView From(UsageLog log, string? username, bool admin, bool withIp) => new(
        log.Id,
        log.UserId,
        log.CreatedAt.ToUnixTimeSeconds(),
        (int)log.Type,
        log.Content,
        username,
        log.TokenId,
        log.TokenName,
        log.ModelName,
        log.Quota,
        log.PromptTokens,
        log.CompletionTokens,
        log.UseTimeMs / 1000,
        log.IsStream,
        admin ? log.ChannelId : null,
        admin ? log.ChannelId : null,
        admin ? log.ChannelName : null,
        log.Group,
        withIp ? log.Ip : null,
        log.Other.ToJson(),
        log.RequestId);
}

using LlmRelay.Channels;
using LlmRelay.Tokens;
using LlmRelay.Usage;

namespace LlmRelay.Storage.InMemory;

/// <summary>The data behind the in-memory stores: one instance per service provider, guarded by one lock.</summary>
/// <remarks>
/// Entities are copied on the way in and on the way out, so a caller that changes an object it read does
/// not change the stored one until it calls an update method (as with the EF Core stores). Usage-log rows
/// are kept in a ring of at most <see cref="MaxUsageLogs"/>; older rows are dropped. Thread-safe.
/// </remarks>
internal sealed class InMemoryRelayState
{
    /// <summary>The number of usage-log rows kept; the oldest are dropped beyond it.</summary>
    public const int MaxUsageLogs = 10_000;

    public object Gate { get; } = new();

    public List<RelayChannel> Channels { get; } = [];

    public List<ApiToken> Tokens { get; } = [];

    public Queue<UsageLog> UsageLogs { get; } = new();

    public long NextChannelId { get; set; } = 1;

    public long NextTokenId { get; set; } = 1;

    public long NextUsageLogId { get; set; } = 1;

    public static RelayChannel Copy(RelayChannel channel) => new()
    {
        Id = channel.Id,
        Name = channel.Name,
        Type = channel.Type,
        BaseUrl = channel.BaseUrl,
        Keys = [.. channel.Keys],
        Models = [.. channel.Models],
        ModelMapping = new Dictionary<string, string>(channel.ModelMapping, StringComparer.Ordinal),
        Group = channel.Group,
        Priority = channel.Priority,
        Weight = channel.Weight,
        Status = channel.Status,
        Source = channel.Source,
        CreatedAt = channel.CreatedAt,
    };

    public static ApiToken Copy(ApiToken token) => new()
    {
        Id = token.Id,
        UserId = token.UserId,
        Name = token.Name,
        KeyHash = token.KeyHash,
        KeyHint = token.KeyHint,
        Status = token.Status,
        RemainQuota = token.RemainQuota,
        UsedQuota = token.UsedQuota,
        UnlimitedQuota = token.UnlimitedQuota,
        ExpiresAt = token.ExpiresAt,
        Models = [.. token.Models],
        Group = token.Group,
        Source = token.Source,
        CreatedAt = token.CreatedAt,
    };

    public static UsageLog Copy(UsageLog log) => new()
    {
        Id = log.Id,
        CreatedAt = log.CreatedAt,
        Type = log.Type,
        UserId = log.UserId,
        TokenId = log.TokenId,
        TokenName = log.TokenName,
        ModelName = log.ModelName,
        ChannelId = log.ChannelId,
        ChannelName = log.ChannelName,
        Group = log.Group,
        Quota = log.Quota,
        PromptTokens = log.PromptTokens,
        CompletionTokens = log.CompletionTokens,
        UseTimeMs = log.UseTimeMs,
        FirstByteMs = log.FirstByteMs,
        IsStream = log.IsStream,
        StatusCode = log.StatusCode,
        Content = log.Content,
        Ip = log.Ip,
        RequestId = log.RequestId,
        Other = log.Other,
    };
}

using LlmRelay.Channels;
using LlmRelay.Tokens;
using LlmRelay.Usage;

namespace LlmRelay.Storage.EfCore.Tests.Infrastructure;

internal static class TestData
{
    /// <summary>A timestamp with a non-UTC offset and millisecond precision (what the stores keep).</summary>
    public static readonly DateTimeOffset Time = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2));

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static RelayChannel Channel(string? name = null) => new()
    {
        Name = name ?? Unique("channel"),
        Type = ChannelTypes.OpenAI,
        BaseUrl = "https://api.example.com/v1",
        Keys = ["sk-one", "sk-two"],
        Models = ["gpt-4o", "gpt-4o-mini"],
        ModelMapping = new(StringComparer.Ordinal) { ["gpt-4"] = "gpt-4o", ["fast"] = "gpt-4o-mini" },
        Group = "default,vip",
        Priority = 10,
        Weight = 3,
        Status = ChannelStatus.Enabled,
        Source = "config",
        CreatedAt = Time,
    };

    public static ApiToken Token(long remainQuota = 1000) => new()
    {
        UserId = 42,
        Name = Unique("token"),
        KeyHash = Unique("hash"),
        KeyHint = "sk-abc...xyz",
        RemainQuota = remainQuota,
        Models = ["gpt-4o", "claude-sonnet-4"],
        ExpiresAt = Time.AddDays(30),
        CreatedAt = Time,
    };

    public static UsageLog Consume(ApiToken token, long quota, string model = "gpt-4o", DateTimeOffset? at = null) => new()
    {
        CreatedAt = at ?? Time,
        Type = UsageLogType.Consume,
        UserId = token.UserId,
        TokenId = token.Id,
        TokenName = token.Name,
        ModelName = model,
        ChannelId = 1,
        ChannelName = "upstream",
        Group = "default",
        Quota = quota,
        PromptTokens = 12,
        CompletionTokens = 34,
        UseTimeMs = 567,
        FirstByteMs = 89,
        IsStream = true,
        StatusCode = 200,
        Ip = "127.0.0.1",
        RequestId = Unique("req"),
        Other = UsageDetails.Parse("""{"estimated":false}"""),
    };
}

using LlmRelay.Channels;
using LlmRelay.Health;
using LlmRelay.Management;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>A channel as the management API shows it; never carries upstream keys.</summary>
/// <remarks><see cref="KeyError"/> says why the relay does not use the channel when its stored keys cannot be decrypted.</remarks>
internal sealed record ChannelView(
    long Id,
    string Name,
    string Type,
    string BaseUrl,
    string Models,
    string Group,
    long Priority,
    int Weight,
    int Status,
    IReadOnlyDictionary<string, string> ModelMapping,
    string Tag,
    long TestTime,
    int ResponseTime,
    double Balance,
    long BalanceUpdatedTime,
    int KeyCount,
    int DisabledKeyCount,
    string? Source,
    long CreatedTime,
    long? ConnectTimeoutMs,
    long? FirstByteTimeoutMs,
    long? IdleTimeoutMs,
    bool ToolCallSieve,
    IReadOnlyDictionary<string, ModelCapabilityView> ModelCapabilities,
    IReadOnlyList<AutoDisabledKeyView>? AutoDisabledKeys,
    string? KeyError)
{
    /// <summary>Builds the view; with <paramref name="keyStatus"/>, it lists the keys the relay disabled (masked, with reason and time).</summary>
    public static ChannelView From(RelayChannel channel, ChannelState? state, ChannelKeyStatusRegistry? keyStatus = null) => new(
        channel.Id,
        channel.Name,
        channel.Type,
        channel.BaseUrl,
        string.Join(',', channel.Models),
        channel.Group,
        channel.Priority,
        channel.Weight,
        (int)channel.Status,
        channel.ModelMapping,
        state?.Tag ?? "",
        state?.TestedAt?.ToUnixTimeSeconds() ?? 0,
        state?.ResponseTimeMs ?? 0,
        state?.Balance ?? 0,
        state?.BalanceUpdatedAt?.ToUnixTimeSeconds() ?? 0,
        channel.Keys.Count,
        state?.DisabledKeys.Count ?? 0,
        channel.Source,
        channel.CreatedAt.ToUnixTimeSeconds(),
        Milliseconds(channel.ConnectTimeout),
        Milliseconds(channel.FirstByteTimeout),
        Milliseconds(channel.IdleTimeout),
        channel.ToolCallSieve,
        ChannelCapabilityInput.ToView(channel.ModelCapabilities),
        keyStatus is null ? null : AutoDisabledKeyView.ListOf(channel, keyStatus),
        ChannelInput.KeyError(channel));

    private static long? Milliseconds(TimeSpan? timeout) => timeout is { } value ? (long)value.TotalMilliseconds : null;
}

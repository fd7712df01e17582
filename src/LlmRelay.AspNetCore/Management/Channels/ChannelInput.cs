using System.Text.Json;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Providers;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Reads channel fields from a request body onto a <see cref="RelayChannel"/>.</summary>
internal static class ChannelInput
{
    /// <summary>The largest per-channel timeout accepted: one day, as for the global options.</summary>
    private const long MaxTimeoutMilliseconds = 24 * 60 * 60 * 1000;

    public static (List<string>? Keys, string? Tag, string? Error) Apply(JsonBody body, RelayChannel channel, bool creating, OutboundAddressPolicy policy)
    {
        var name = body.String("name", required: creating, maxLength: 128);
        var type = ReadType(body);
        var baseUrl = body.String("base_url", required: creating, maxLength: 2048);
        var key = body.String("key", required: creating, maxLength: 1 << 16);
        var models = body.StringList("models", required: creating);
        var group = body.Has("group") && body.Root.GetProperty("group").ValueKind == JsonValueKind.Array
            ? string.Join(',', body.StringList("group") ?? [])
            : body.String("group", maxLength: 256);
        var priority = body.Long("priority");
        var weight = body.Long("weight", min: 0, max: int.MaxValue);
        var status = body.Long("status", min: 1, max: 3);
        var mapping = body.StringMap("model_mapping");
        var tag = body.String("tag", maxLength: 64);
        var connectTimeout = ReadTimeout(body, "connect_timeout_ms");
        var firstByteTimeout = ReadTimeout(body, "first_byte_timeout_ms");
        var idleTimeout = ReadTimeout(body, "idle_timeout_ms");
        var error = body.Error ?? (baseUrl is not null ? ValidateBaseUrl(baseUrl, policy) : null);
        if (error is null && creating && models!.Count == 0 && (mapping is null || mapping.Count == 0))
        {
            error = "Field 'models' must list at least one model.";
        }

        var keys = key?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (error is null && creating && keys!.Count == 0)
        {
            error = "Field 'key' must hold at least one upstream key.";
        }

        if (error is not null)
        {
            return (null, null, error);
        }

        channel.Name = name ?? channel.Name;
        channel.Type = type ?? channel.Type;
        channel.BaseUrl = baseUrl ?? channel.BaseUrl;
        channel.Models = models ?? channel.Models;
        channel.Group = string.IsNullOrEmpty(group) ? (string.IsNullOrEmpty(channel.Group) ? RelayGroups.Default : channel.Group) : group;
        channel.Priority = priority ?? channel.Priority;
        channel.Weight = weight is null ? channel.Weight : (int)weight.Value;
        channel.Status = status is null ? channel.Status : (ChannelStatus)status.Value;
        channel.ModelMapping = mapping ?? channel.ModelMapping;
        channel.ConnectTimeout = connectTimeout.Present ? connectTimeout.Value : channel.ConnectTimeout;
        channel.FirstByteTimeout = firstByteTimeout.Present ? firstByteTimeout.Value : channel.FirstByteTimeout;
        channel.IdleTimeout = idleTimeout.Present ? idleTimeout.Value : channel.IdleTimeout;
        return (keys ?? [], tag, null);
    }

    /// <summary>Returns why <paramref name="baseUrl"/> cannot be a channel's base URL: not absolute http(s), or a literal address <paramref name="policy"/> refuses.</summary>
    public static string? ValidateBaseUrl(string baseUrl, OutboundAddressPolicy policy) =>
        !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            ? "Field 'base_url' must be an absolute http or https URL."
            : policy.CheckUrl(uri) is { } refused ? "Field 'base_url': " + refused : null;

    /// <summary>Returns why <paramref name="channel"/>'s keys cannot be used (some could not be decrypted), or <see langword="null"/>.</summary>
    public static string? KeyError(RelayChannel channel) => channel.UnreadableKeyCount == 0
        ? null
        : $"{channel.UnreadableKeyCount} of the channel's upstream keys cannot be decrypted: the Data Protection key ring that encrypted them is not available "
          + "(see docs/deployment.md, Data Protection keys). The channel is not used until the key ring is restored or its keys are entered again.";

    public static RelayChannel Clone(RelayChannel channel) => new()
    {
        Name = channel.Name,
        Type = channel.Type,
        BaseUrl = channel.BaseUrl,
        Keys = [.. channel.Keys],
        Models = [.. channel.Models],
        ModelMapping = new(channel.ModelMapping, StringComparer.Ordinal),
        Group = channel.Group,
        Priority = channel.Priority,
        Weight = channel.Weight,
        Status = channel.Status,
        ConnectTimeout = channel.ConnectTimeout,
        FirstByteTimeout = channel.FirstByteTimeout,
        IdleTimeout = channel.IdleTimeout,
        Source = channel.Source,
        CreatedAt = channel.CreatedAt,
    };

    // A timeout in milliseconds: absent keeps the stored value; null or 0 clears it, so the global option applies.
    private static (bool Present, TimeSpan? Value) ReadTimeout(JsonBody body, string name)
    {
        if (body.Root.ValueKind != JsonValueKind.Object || !body.Root.TryGetProperty(name, out var value))
        {
            return (false, null);
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return (true, null);
        }

        var milliseconds = body.Long(name, min: 0, max: MaxTimeoutMilliseconds);
        return milliseconds is null or 0 ? (milliseconds is not null, null) : (true, TimeSpan.FromMilliseconds(milliseconds.Value));
    }

    /// <summary>Reads the optional <c>type</c> field: an LlmRelay type name or new-api's number; an unknown one is reported on <paramref name="body"/>.</summary>
    public static string? ReadType(JsonBody body)
    {
        if (!body.Has("type"))
        {
            return null;
        }

        // new-api numbers its channel types; accept the common ones as well as LlmRelay's names.
        if (body.Root.GetProperty("type").ValueKind == JsonValueKind.Number)
        {
            return body.Long("type") switch
            {
                1 => ChannelTypes.OpenAI,
                3 => ChannelTypes.Azure,
                14 => ChannelTypes.Anthropic,
                24 => ChannelTypes.Gemini,
                43 => ChannelTypes.DeepSeek,
                _ => null,
            } ?? Unknown(body);
        }

        var type = body.String("type", maxLength: 32);
        return type is null || type is ChannelTypes.OpenAI or ChannelTypes.Azure or ChannelTypes.Anthropic or ChannelTypes.Gemini or ChannelTypes.DeepSeek or "openai-compatible"
            ? type
            : Unknown(body);
    }

    private static string? Unknown(JsonBody body)
    {
        body.Report("Field 'type' must be one of openai, azure, anthropic, gemini, deepseek, openai-compatible (or new-api's 1, 3, 14, 24, 43).");
        return null;
    }
}

using System.Text.Json;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Providers;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Reads channel fields from a request body into <see cref="ChannelChanges"/>, and the channel checks the routes and <see cref="ChannelService"/> share.</summary>
internal static class ChannelInput
{
    /// <summary>The largest per-channel timeout accepted: one day, as for the global options.</summary>
    public const long MaxTimeoutMilliseconds = 24 * 60 * 60 * 1000;

    /// <summary>The channel types a channel may be created or edited with.</summary>
    public static readonly string[] Types = [ChannelTypes.OpenAI, ChannelTypes.Azure, ChannelTypes.Anthropic, ChannelTypes.Gemini, ChannelTypes.DeepSeek, "openai-compatible"];

    /// <summary>The message for a <c>type</c> that is none of <see cref="Types"/>.</summary>
    public const string UnknownTypeMessage = "Field 'type' must be one of openai, azure, anthropic, gemini, deepseek, openai-compatible (or new-api's 1, 3, 14, 24, 43).";

    /// <summary>Reads the channel fields of a JSON body, checking each as the API always has; the first problem becomes <see cref="ChannelChanges.InputError"/>.</summary>
    public static ChannelChanges Read(JsonBody body, bool creating)
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
        var toolCallSieve = body.Bool("tool_call_sieve");
        var capabilities = ChannelCapabilityInput.Read(body);
        return new ChannelChanges
        {
            InputError = body.Error,
            Name = name,
            Type = type,
            BaseUrl = baseUrl,
            Key = key,
            Models = models,
            Group = group,
            Priority = priority,
            Weight = weight,
            Status = status is { } s ? (ChannelStatus)(int)s : null,
            ModelMapping = mapping,
            Tag = tag,
            ConnectTimeout = connectTimeout,
            FirstByteTimeout = firstByteTimeout,
            IdleTimeout = idleTimeout,
            ToolCallSieve = toolCallSieve,
            ModelCapabilities = capabilities,
        };
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
        ToolCallSieve = channel.ToolCallSieve,
        ModelCapabilities = new(channel.ModelCapabilities, StringComparer.OrdinalIgnoreCase),
        Source = channel.Source,
        CreatedAt = channel.CreatedAt,
    };

    // A timeout in milliseconds: absent (null) keeps the stored value; null or 0 in the body clears it (TimeSpan.Zero), so the global option applies.
    private static TimeSpan? ReadTimeout(JsonBody body, string name)
    {
        if (body.Root.ValueKind != JsonValueKind.Object || !body.Root.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return TimeSpan.Zero;
        }

        var milliseconds = body.Long(name, min: 0, max: MaxTimeoutMilliseconds);
        return milliseconds is null ? null : TimeSpan.FromMilliseconds(milliseconds.Value);
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
        return type is null || Types.Contains(type, StringComparer.Ordinal) ? type : Unknown(body);
    }

    private static string? Unknown(JsonBody body)
    {
        body.Report(UnknownTypeMessage);
        return null;
    }
}

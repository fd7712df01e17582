using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Merges Anthropic <c>usage</c> objects (message_start, then message_delta) field by field.</summary>
/// <remarks>
/// <c>input_tokens</c> excludes both cache buckets; <c>cache_creation.ephemeral_1h_input_tokens</c> is the part of
/// <c>cache_creation_input_tokens</c> written to the 1-hour cache (the rest, <c>ephemeral_5m_input_tokens</c>, is 5-minute).
/// </remarks>
internal struct AnthropicUsageAccumulator
{
    private long _input;
    private long _cacheRead;
    private long _cacheCreation;
    private long _cacheCreation1h;
    private long _output;

    public bool HasValue { get; private set; }

    public readonly TokenUsage Usage => new()
    {
        InputTokens = _input + _cacheRead + _cacheCreation,
        CachedInputTokens = _cacheRead,
        CacheCreationInputTokens = _cacheCreation,
        CacheCreation1hInputTokens = _cacheCreation1h,
        OutputTokens = _output,
        TotalTokens = _input + _cacheRead + _cacheCreation + _output,
    };

    public void Read(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return;
        }

        HasValue = true;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("input_tokens"u8))
            {
                r.Read();
                _input = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("output_tokens"u8))
            {
                r.Read();
                _output = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("cache_read_input_tokens"u8))
            {
                r.Read();
                _cacheRead = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                r.Read();
                _cacheCreation = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("cache_creation"u8))
            {
                r.Read();
                _cacheCreation1h = OpenAI.OpenAIUsageReader.ReadDetail(ref r, "ephemeral_1h_input_tokens"u8, _cacheCreation1h);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }
    }
}

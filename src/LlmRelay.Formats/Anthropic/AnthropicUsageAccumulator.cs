using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Merges Anthropic <c>usage</c> objects (message_start, then message_delta) field by field.</summary>
internal struct AnthropicUsageAccumulator
{
    private long _input;
    private long _cacheRead;
    private long _cacheCreation;
    private long _output;

    public bool HasValue { get; private set; }

    public readonly TokenUsage Usage => new()
    {
        InputTokens = _input + _cacheRead + _cacheCreation,
        CachedInputTokens = _cacheRead,
        CacheCreationInputTokens = _cacheCreation,
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
            else
            {
                Json.SkipValue(ref r);
            }
        }
    }
}

using System.Text.Json;
using LlmRelay.Formats.Anthropic;
using LlmRelay.Formats.Gemini;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Reads the usage a same-format upstream reports, from whole bodies or stream events, without deserialising the rest.</summary>
/// <remarks>
/// OpenAI families carry <c>usage</c>; Anthropic splits it across <c>message_start</c> and <c>message_delta</c>
/// (merged field by field); Gemini repeats cumulative <c>usageMetadata</c> on every chunk (the last one wins).
/// Both read the last <c>usage</c>/<c>usageMetadata</c> of a document: the model's own tool arguments come before it.
/// Not thread-safe: one instance per response.
/// </remarks>
internal sealed class UsageSniffer(WireFormat format)
{
    private AnthropicUsageAccumulator _anthropic;
    private TokenUsage? _usage;

    public TokenUsage? Usage => format == WireFormat.Anthropic ? (_anthropic.HasValue ? _anthropic.Usage : null) : _usage;

    /// <summary>Reads usage from one JSON document (a body or an SSE <c>data:</c> payload), if it has any.</summary>
    public void Observe(ReadOnlySpan<byte> json)
    {
        switch (format)
        {
            case WireFormat.Anthropic:
                var start = OpenAIUsageReader.FindLastObject(json, "\"usage\""u8);
                if (start >= 0)
                {
                    try
                    {
                        var reader = new Utf8JsonReader(json[start..]);
                        reader.Read();
                        _anthropic.Read(ref reader);
                    }
                    catch (JsonException)
                    {
                        // A malformed event carries no usage we can trust.
                    }
                }

                break;
            case WireFormat.Gemini:
                var metadata = OpenAIUsageReader.FindLastObject(json, "\"usageMetadata\""u8);
                if (metadata >= 0)
                {
                    try
                    {
                        var reader = new Utf8JsonReader(json[metadata..]);
                        reader.Read();
                        _usage = GeminiUsage.Read(ref reader);
                    }
                    catch (JsonException)
                    {
                    }
                }

                break;
            default:
                if (OpenAIUsageReader.TryRead(json, out var usage))
                {
                    _usage = usage;
                }

                break;
        }
    }
}

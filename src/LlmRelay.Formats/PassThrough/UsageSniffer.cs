using System.Text.Json;
using LlmRelay.Formats.Anthropic;
using LlmRelay.Formats.Gemini;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Reads the usage an upstream reports, from whole bodies or stream events, without deserialising the rest.</summary>
/// <remarks>
/// OpenAI families carry <c>usage</c> (<see cref="OpenAIUsageReader"/>); Anthropic splits it across <c>message_start</c>
/// and <c>message_delta</c> (merged field by field by <see cref="AnthropicUsageAccumulator"/>); Gemini repeats cumulative
/// <c>usageMetadata</c> on every chunk (<see cref="GeminiUsage"/>, the last one wins). Both read the last
/// <c>usage</c>/<c>usageMetadata</c> of a document: the model's own tool arguments come before it. Those three readers are
/// the only ones: <see cref="ReadBody"/> serves body conversion, and the stream decoders call them too (issue #14).
/// Not thread-safe: one instance per response.
/// </remarks>
public sealed class UsageSniffer(WireFormat format)
{
    private AnthropicUsageAccumulator _anthropic;
    private TokenUsage? _usage;

    /// <summary>Gets the usage seen so far, normalised, or <see langword="null"/> when none was reported.</summary>
    public TokenUsage? Usage => format == WireFormat.Anthropic ? (_anthropic.HasValue ? _anthropic.Usage : null) : _usage;

    /// <summary>Reads usage from one JSON document (a body or an SSE <c>data:</c> payload), if it has any.</summary>
    public void Observe(ReadOnlySpan<byte> json)
    {
        if (format == WireFormat.Anthropic)
        {
            ReadAnthropic(json, ref _anthropic);
        }
        else if (TryRead(format, json, out var usage))
        {
            _usage = usage;
        }
    }

    /// <summary>Returns the usage of one whole (non-stream) body in <paramref name="format"/>, or <see langword="null"/> when it reports none.</summary>
    /// <param name="format">The family the body is in.</param>
    /// <param name="json">The body.</param>
    public static TokenUsage? ReadBody(WireFormat format, ReadOnlySpan<byte> json)
    {
        if (format == WireFormat.Anthropic)
        {
            AnthropicUsageAccumulator anthropic = default;
            ReadAnthropic(json, ref anthropic);
            return anthropic.HasValue ? anthropic.Usage : null;
        }

        return TryRead(format, json, out var usage) ? usage : null;
    }

    private static void ReadAnthropic(ReadOnlySpan<byte> json, ref AnthropicUsageAccumulator anthropic)
    {
        var start = JsonLocator.FindLastObject(json, "\"usage\""u8);
        if (start < 0)
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(json[start..]);
            reader.Read();
            anthropic.Read(ref reader);
        }
        catch (JsonException)
        {
            // A malformed event carries no usage we can trust.
        }
    }

    private static bool TryRead(WireFormat format, ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        if (format != WireFormat.Gemini)
        {
            return OpenAIUsageReader.TryRead(json, out usage);
        }

        usage = default;
        var metadata = JsonLocator.FindLastObject(json, "\"usageMetadata\""u8);
        if (metadata < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json[metadata..]);
            reader.Read();
            usage = GeminiUsage.Read(ref reader);
            return true;
        }
        catch (JsonException)
        {
            usage = default;
            return false;
        }
    }
}

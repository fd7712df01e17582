using System.Text.Json;
using LlmRelay.Formats;
using LlmRelay.Pricing;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>Reads what an OpenAI-format images, moderations or rerank answer delivered: its units and the tokens it reports (issue #17).</summary>
/// <remarks>
/// Images: the entries of <c>data</c>, and <c>usage</c> (<c>input_tokens</c>/<c>output_tokens</c> of gpt-image-1). Moderations:
/// one call. Speech: the characters sent. Transcriptions and translations: <c>duration</c> (verbose_json) or Whisper's
/// <c>usage.seconds</c>, rounded up to whole seconds, else the upload's estimated seconds. Rerank: Cohere's <c>meta.billed_units.search_units</c>, else one per started 100 documents sent, and Jina's
/// <c>usage.total_tokens</c>. Only the top-level members are looked at; image data is skipped, not read. Thread-safe.
/// </remarks>
internal static class UnitAnswer
{
    /// <summary>Returns the units <paramref name="answer"/> delivered; <paramref name="estimated"/> says they are the gateway's estimate (a transcription's seconds from the upload's size, when the answer reports neither <c>duration</c> nor <c>usage.seconds</c>).</summary>
    public static long Read(UnitRequest request, ReadOnlySpan<byte> answer, out TokenUsage usage, out bool estimated)
    {
        usage = default;
        estimated = request.Unit == BillingUnit.Second;
        long units = request.Unit switch
        {
            BillingUnit.Image => 0,
            BillingUnit.SearchUnit => UnitRequest.SearchUnits(request.Documents),
            BillingUnit.Character or BillingUnit.Second => request.EstimatedUnits,
            _ => 1,
        };
        long seconds = 0;
        try
        {
            var reader = new Utf8JsonReader(answer);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return units;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data"u8) && request.Unit == BillingUnit.Image)
                {
                    reader.Read();
                    units = CountArray(ref reader);
                    continue;
                }

                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    usage = ReadUsage(ref reader, ref seconds);
                    continue;
                }

                if (reader.ValueTextEquals("duration"u8) && request.Unit == BillingUnit.Second)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var duration) && duration >= 0)
                    {
                        seconds = Math.Max(1, (long)Math.Ceiling(duration));
                    }

                    continue;
                }

                if (reader.ValueTextEquals("meta"u8) && request.Unit == BillingUnit.SearchUnit)
                {
                    reader.Read();
                    if (ReadSearchUnits(ref reader) is > 0 and var searchUnits)
                    {
                        units = searchUnits;
                    }

                    continue;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a text, srt or vtt transcript too): the units asked for stand (images: none counted, nothing billed per image).
        }

        if (request.Unit == BillingUnit.Second && seconds > 0)
        {
            estimated = false;
            return seconds;
        }

        return units;
    }

    private static long CountArray(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        long count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            reader.Skip();
        }

        return count;
    }

    // OpenAI images (input_tokens, output_tokens), chat-style (prompt_tokens, completion_tokens) or Jina (total_tokens only).
    // Whisper's usage is {"type":"duration","seconds":N}: its seconds are kept apart from the tokens.
    private static TokenUsage ReadUsage(ref Utf8JsonReader reader, ref long seconds)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }

        long input = 0, output = 0, total = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isInput = reader.ValueTextEquals("input_tokens"u8) || reader.ValueTextEquals("prompt_tokens"u8);
            var isOutput = reader.ValueTextEquals("output_tokens"u8) || reader.ValueTextEquals("completion_tokens"u8);
            var isTotal = reader.ValueTextEquals("total_tokens"u8);
            var isSeconds = reader.ValueTextEquals("seconds"u8);
            reader.Read();
            if (isSeconds && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var duration) && duration >= 0)
            {
                seconds = Math.Max(seconds, Math.Max(1, (long)Math.Ceiling(duration)));
                continue;
            }

            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                if (isInput)
                {
                    input = value;
                }
                else if (isOutput)
                {
                    output = value;
                }
                else if (isTotal)
                {
                    total = value;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        if (input == 0 && output == 0)
        {
            input = total; // Jina reports the tokens read as total_tokens only.
        }

        return new TokenUsage { InputTokens = input, OutputTokens = output, TotalTokens = Math.Max(total, input + output) };
    }

    private static long ReadSearchUnits(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        long units = 0;
        var depth = reader.CurrentDepth;
        var inBilled = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.CurrentDepth == depth + 1)
            {
                inBilled = reader.ValueTextEquals("billed_units"u8);
                if (!inBilled)
                {
                    reader.Read();
                    reader.Skip();
                }

                continue;
            }

            if (inBilled && reader.ValueTextEquals("search_units"u8) && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                units = value;
            }
        }

        return units;
    }
}

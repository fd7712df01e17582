using System.Text.Json;
using LlmRelay.Formats;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Reads the usage of a realtime <c>response.done</c> event, the one event of the Realtime API that reports it.</summary>
/// <remarks>
/// <code>
/// {"type":"response.done","response":{"id":"resp_…","status":"completed",…,
///   "usage":{"total_tokens":253,"input_tokens":132,"output_tokens":121,
///            "input_token_details":{"text_tokens":119,"audio_tokens":13,"cached_tokens":64,…},
///            "output_token_details":{"text_tokens":30,"audio_tokens":91}}}}
/// </code>
/// Input and output tokens include the audio tokens; cached tokens are a part of the input tokens. Thread-safe (static, no state).
/// </remarks>
internal static class RealtimeUsageReader
{
    /// <summary>Returns whether <paramref name="firstChunk"/> (of a message) names a <c>response.done</c> event: the cheap test made on the first chunk of every upstream text message.</summary>
    public static bool MayBeResponseDone(ReadOnlySpan<byte> firstChunk) => firstChunk.IndexOf("\"response.done\""u8) >= 0;

    /// <summary>Returns whether the first chunk of a message names an output delta event (<c>response.text.delta</c>, <c>response.audio.delta</c>, …).</summary>
    public static bool IsDelta(ReadOnlySpan<byte> firstChunk) => firstChunk.IndexOf(".delta\""u8) >= 0;

    /// <summary>Reads a whole message; <see langword="false"/> when it is not a top-level <c>response.done</c> event (or not JSON).</summary>
    /// <param name="message">The message's text.</param>
    /// <param name="usage">The usage; all zero when the event reported none.</param>
    /// <param name="audioInputTokens">The input audio tokens (a part of the input tokens).</param>
    /// <param name="audioOutputTokens">The output audio tokens (a part of the output tokens).</param>
    /// <param name="responseId">The response id, or <see langword="null"/>.</param>
    public static bool TryRead(ReadOnlySpan<byte> message, out TokenUsage usage, out long audioInputTokens, out long audioOutputTokens, out string? responseId)
    {
        usage = default;
        audioInputTokens = 0;
        audioOutputTokens = 0;
        responseId = null;
        var isDone = false;
        try
        {
            var reader = new Utf8JsonReader(message);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    isDone = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("response.done"u8);
                }
                else if (reader.ValueTextEquals("response"u8))
                {
                    if (Object(ref reader))
                    {
                        ReadResponse(ref reader, ref usage, ref audioInputTokens, ref audioOutputTokens, ref responseId);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return isDone;
    }

    private static void ReadResponse(ref Utf8JsonReader reader, ref TokenUsage usage, ref long audioIn, ref long audioOut, ref string? responseId)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                responseId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                if (Object(ref reader))
                {
                    ReadUsage(ref reader, ref usage, ref audioIn, ref audioOut);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadUsage(ref Utf8JsonReader reader, ref TokenUsage usage, ref long audioIn, ref long audioOut)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                usage = usage with { InputTokens = Number(ref reader) };
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                usage = usage with { OutputTokens = Number(ref reader) };
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                usage = usage with { TotalTokens = Number(ref reader) };
            }
            else if (reader.ValueTextEquals("input_token_details"u8))
            {
                long cached = 0;
                if (Object(ref reader))
                {
                    ReadDetails(ref reader, ref audioIn, ref cached);
                }

                usage = usage with { CachedInputTokens = cached };
            }
            else if (reader.ValueTextEquals("output_token_details"u8))
            {
                long unused = 0;
                if (Object(ref reader))
                {
                    ReadDetails(ref reader, ref audioOut, ref unused);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadDetails(ref Utf8JsonReader reader, ref long audio, ref long cached)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("audio_tokens"u8))
            {
                audio = Number(ref reader);
            }
            else if (reader.ValueTextEquals("cached_tokens"u8))
            {
                cached = Number(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    // Moves to the property's value: true when it is an object (read it next); any other value is skipped whole, so that the
    // caller's loop goes on with the next property (a "usage": null of a failed response).
    private static bool Object(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        reader.Skip();
        return false;
    }

    private static long Number(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? Math.Max(0, value) : 0;
    }
}

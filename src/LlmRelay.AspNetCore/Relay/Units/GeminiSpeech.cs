using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>Serves <c>/v1/audio/speech</c> with a Gemini TTS model: the input as a generateContent turn asking for audio, the answer's inline PCM as WAV or raw PCM (issue #17).</summary>
/// <remarks>
/// <code>
/// {"input":"…","voice":"alloy","response_format":"wav"} ─► {"contents":[{"parts":[{"text":"…"}]}],
///   "generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Kore"}}}}}
/// candidates[].content.parts[].inlineData {mimeType: audio/L16;codec=pcm;rate=24000, data: base64}
///   ─► decoded in place in the answer's buffer ─► "pcm": the samples; "wav" or none: a 44-byte RIFF header + the samples
/// </code>
/// Gemini answers 16-bit little-endian mono PCM only; the gateway encodes no MP3, Opus, AAC or FLAC, so a caller asking one of
/// those of a Gemini channel gets a 400 before anything is sent. Thread-safe (static, no state).
/// </remarks>
internal static class GeminiSpeech
{
    /// <summary>The size of the RIFF/WAVE header written before the samples.</summary>
    public const int WavHeaderSize = 44;

    /// <summary>The sample rate Gemini's TTS models answer at when the MIME type names none.</summary>
    public const int DefaultSampleRate = 24_000;

    // OpenAI's voices spoken by the Gemini voice closest in character (Google's own one-word descriptions in brackets); Gemini's
    // 30 prebuilt voices by their own names, matched without regard to case. Any other name is sent as written.
    private static readonly FrozenDictionary<string, string> Voices = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["alloy"] = "Kore",       // firm
        ["ash"] = "Orus",         // firm
        ["ballad"] = "Algieba",   // smooth
        ["coral"] = "Aoede",      // breezy
        ["echo"] = "Charon",      // informative
        ["fable"] = "Fenrir",     // excitable
        ["nova"] = "Zephyr",      // bright
        ["onyx"] = "Algenib",     // gravelly
        ["sage"] = "Iapetus",     // clear
        ["shimmer"] = "Autonoe",  // bright
        ["verse"] = "Puck",       // upbeat
        ["marin"] = "Achernar",   // soft
        ["cedar"] = "Schedar",    // even
    }
        .Concat(new[]
        {
            "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe", "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina",
            "Erinome", "Algenib", "Rasalgethi", "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix",
            "Sadachbia", "Sadaltager", "Sulafat",
        }.Select(static name => KeyValuePair.Create(name, name)))
        .ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns the Gemini voice <paramref name="voice"/> is spoken with: OpenAI's voices mapped, Gemini's spelled as Google does, any other as written.</summary>
    public static string VoiceName(string voice) => Voices.TryGetValue(voice, out var name) ? name : voice;

    /// <summary>Writes the generateContent body for a speech request; returns the caller's error when a Gemini channel cannot serve it as asked.</summary>
    public static FormatError? ToGenerateContent(UnitRequest request, PooledBufferWriter output, out ReadOnlyMemory<byte> content)
    {
        content = default;
        if (request.ResponseFormat is not (null or "wav" or "pcm"))
        {
            return new FormatError(
                FormatErrorKind.InvalidShape,
                $"The channel serving this model is a Gemini TTS model, which answers raw PCM audio; this gateway returns it as 'wav' or 'pcm' and cannot encode '{request.ResponseFormat}'. Ask for response_format 'wav' or 'pcm', or leave it out for wav.",
                "unsupported_response_format");
        }

        if (request.Voice is null)
        {
            return new FormatError(FormatErrorKind.InvalidShape, "The channel serving this model is a Gemini TTS model, which speaks with its prebuilt voices only: name one (such as Kore or alloy), not a custom voice id.", "unsupported_voice");
        }

        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("contents"u8);
            writer.WriteStartObject();
            writer.WriteStartArray("parts"u8);
            writer.WriteStartObject();
            // Gemini TTS takes its style from the prompt ("Say cheerfully: …"): OpenAI's instructions lead the text.
            writer.WriteString("text"u8, request.Instructions is { Length: > 0 } style ? string.Concat(style.TrimEnd(' ', '.', ':', '\n'), ": ", request.Prompt) : request.Prompt);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartObject("generationConfig"u8);
            writer.WriteStartArray("responseModalities"u8);
            writer.WriteStringValue("AUDIO"u8);
            writer.WriteEndArray();
            writer.WriteStartObject("speechConfig"u8);
            writer.WriteStartObject("voiceConfig"u8);
            writer.WriteStartObject("prebuiltVoiceConfig"u8);
            writer.WriteString("voiceName"u8, VoiceName(request.Voice));
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        content = output.WrittenMemory;
        return null;
    }

    /// <summary>Decodes the PCM audio a generateContent answer holds, in place: the samples end up contiguous at <c>answer[start..(start + returned)]</c>.</summary>
    /// <param name="answer">The answer's bytes; overwritten as the base64 is decoded.</param>
    /// <param name="start">The offset of the decoded samples in <paramref name="answer"/>.</param>
    /// <param name="sampleRate">The sample rate the audio's MIME type names (<see cref="DefaultSampleRate"/> when it names none).</param>
    /// <param name="usage">The tokens <c>usageMetadata</c> reports; zero when it reports none.</param>
    /// <returns>The bytes of PCM decoded; 0 when the answer holds no PCM audio (a refusal, a safety block).</returns>
    /// <exception cref="JsonException">The answer is not JSON.</exception>
    /// <exception cref="FormatException">The audio is not base64.</exception>
    /// <remarks>
    /// Each <c>data</c> string is decoded where it lies (<see cref="Base64.DecodeFromUtf8InPlace(Span{byte}, out int)"/>) and moved
    /// down behind the samples before it, over JSON already read: no second copy of the audio is held.
    /// </remarks>
    public static int DecodeAudio(Span<byte> answer, out int start, out int sampleRate, out TokenUsage usage)
    {
        start = -1;
        sampleRate = 0;
        usage = default;
        var written = 0;
        var reader = new Utf8JsonReader(answer);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("usageMetadata"u8))
            {
                usage = ReadUsage(ref reader);
            }
            else if ((reader.ValueTextEquals("inlineData"u8) || reader.ValueTextEquals("inline_data"u8)) && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var before = written;
                var rate = 0;
                var pcm = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("mimeType"u8) || reader.ValueTextEquals("mime_type"u8))
                    {
                        reader.Read();
                        pcm = reader.TokenType == JsonTokenType.String && IsPcm(reader.GetString()!, out rate);
                    }
                    else if (reader.ValueTextEquals("data"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            if (start < 0)
                            {
                                start = (int)reader.TokenStartIndex + 1;
                            }

                            written += DecodeString(ref reader, answer, start + written);
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if (!pcm)
                {
                    written = before; // Not PCM (an image, a text file): dropped.
                }
                else if (sampleRate == 0)
                {
                    sampleRate = rate;
                }
            }
        }

        if (written == 0)
        {
            start = 0;
        }

        sampleRate = sampleRate == 0 ? DefaultSampleRate : sampleRate;
        return written;
    }

    /// <summary>Writes the 44-byte RIFF/WAVE header of <paramref name="dataLength"/> bytes of 16-bit mono PCM at <paramref name="sampleRate"/>.</summary>
    public static void WriteWavHeader(Span<byte> destination, int dataLength, int sampleRate)
    {
        const short Channels = 1, BitsPerSample = 16, BlockAlign = Channels * BitsPerSample / 8;
        "RIFF"u8.CopyTo(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], 36 + dataLength);
        "WAVE"u8.CopyTo(destination[8..]);
        "fmt "u8.CopyTo(destination[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], 16);          // the fmt chunk's size
        BinaryPrimitives.WriteInt16LittleEndian(destination[20..], 1);           // PCM
        BinaryPrimitives.WriteInt16LittleEndian(destination[22..], Channels);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], sampleRate * BlockAlign); // bytes a second
        BinaryPrimitives.WriteInt16LittleEndian(destination[32..], BlockAlign);
        BinaryPrimitives.WriteInt16LittleEndian(destination[34..], BitsPerSample);
        "data"u8.CopyTo(destination[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination[40..], dataLength);
    }

    // Decodes the current string token where it lies and moves the bytes to answer[target..]; target never passes the token,
    // so only bytes the reader has already consumed are overwritten.
    private static int DecodeString(ref Utf8JsonReader reader, Span<byte> answer, int target)
    {
        var at = (int)reader.TokenStartIndex + 1;
        var length = reader.ValueSpan.Length;
        if (reader.ValueIsEscaped)
        {
            // Base64 needs no escapes, but "\/" and "\u002B" are valid JSON: unescaped once aside, then back where they were.
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                length = reader.CopyString(rented);
                rented.AsSpan(0, length).CopyTo(answer[at..]);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        var encoded = answer.Slice(at, length);
        if (Base64.DecodeFromUtf8InPlace(encoded, out var decoded) != OperationStatus.Done)
        {
            throw new FormatException("The upstream's audio is not valid base64.");
        }

        encoded[..decoded].CopyTo(answer[target..]);
        return decoded;
    }

    // audio/L16;codec=pcm;rate=24000 (Gemini), or audio/pcm: 16-bit little-endian samples.
    private static bool IsPcm(string mimeType, out int rate)
    {
        rate = 0;
        var parts = mimeType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !(parts[0].Equals("audio/L16", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("audio/pcm", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        foreach (var parameter in parts.AsSpan(1))
        {
            if (parameter.StartsWith("rate=", StringComparison.OrdinalIgnoreCase) && int.TryParse(parameter.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 384_000)
            {
                rate = value;
            }
        }

        return true;
    }

    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }

        long prompt = 0, output = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPrompt = reader.ValueTextEquals("promptTokenCount"u8);
            var isOutput = reader.ValueTextEquals("candidatesTokenCount"u8) || reader.ValueTextEquals("thoughtsTokenCount"u8);
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var count))
            {
                reader.Skip();
            }
            else if (isPrompt)
            {
                prompt += count;
            }
            else if (isOutput)
            {
                output += count;
            }
        }

        return new TokenUsage { InputTokens = prompt, OutputTokens = output, TotalTokens = prompt + output };
    }
}

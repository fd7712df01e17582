using System.Buffers;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>Serves <c>/v1/images/generations</c> and <c>/v1/images/edits</c> with a Gemini image model: the prompt (and an edit's images, as inline data) as a generateContent turn, the answer's inline image data as OpenAI's <c>data[].b64_json</c> (issue #17).</summary>
/// <remarks>
/// <code>
/// {"prompt":"…","size":"1792x1024"} ─► {"contents":[{"role":"user","parts":[{"text":"…"}]}],
/// edits: image / image[] files      ─►   …"parts":[{"text":"…"},{"inline_data":{"mime_type":"image/png","data":"…"}},…]
///                                       "generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"16:9"}}}
/// candidates[].content.parts[].inlineData.data ─► {"created":…,"data":[{"b64_json":"…"}],"usage":{…}}
/// </code>
/// Gemini returns images inline, never as URLs: a caller asking <c>response_format: url</c> gets <c>b64_json</c>. One call
/// yields the images the model produced (one, for Gemini's image models), whatever <c>n</c> asked; the images delivered are
/// billed. Thread-safe (static, no state).
/// </remarks>
internal static class GeminiImages
{
    /// <summary>Writes the generateContent body for <paramref name="request"/>: the prompt, then an edit's images as inline data; returns the caller's error, or <see langword="null"/>.</summary>
    /// <remarks>Gemini's image models take no mask: an edit that sends one is refused (<c>mask_not_supported</c>) rather than sent as an edit of the whole image.</remarks>
    public static FormatError? ToGenerateContent(UnitRequest request, PooledBufferWriter output, out ReadOnlyMemory<byte> content)
    {
        content = default;
        var parts = request.Parts ?? [];
        foreach (var part in parts)
        {
            if (part.Name == "mask" && part.FileName is not null)
            {
                return new FormatError(FormatErrorKind.InvalidShape, "Gemini image models take no mask: describe the area to change in the prompt, or send the edit to a model that takes one.", "mask_not_supported");
            }
        }

        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("contents"u8);
            writer.WriteStartObject();
            writer.WriteString("role"u8, "user"u8);
            writer.WriteStartArray("parts"u8);
            writer.WriteStartObject();
            writer.WriteString("text"u8, request.Prompt);
            writer.WriteEndObject();
            foreach (var part in parts)
            {
                if (part.Name is "image" or "image[]" && part.FileName is not null)
                {
                    WriteInlineData(writer, part);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartObject("generationConfig"u8);
            writer.WriteStartArray("responseModalities"u8);
            writer.WriteStringValue("TEXT"u8);
            writer.WriteStringValue("IMAGE"u8);
            writer.WriteEndArray();
            if (AspectRatio(request.Size) is { } ratio)
            {
                writer.WriteStartObject("imageConfig"u8);
                writer.WriteString("aspectRatio"u8, ratio);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        content = output.WrittenMemory;
        return null;
    }

    // {"inline_data":{"mime_type":"image/png","data":"<base64>"}} from the buffered section (bounded by MaxUploadFileSize).
    private static void WriteInlineData(Utf8JsonWriter writer, MultipartPart part)
    {
        var length = checked((int)part.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        try
        {
            part.Content.Position = 0;
            part.Content.ReadExactly(bytes, 0, length); // read back from memory or the temporary file, not from the network
            writer.WriteStartObject();
            writer.WriteStartObject("inline_data"u8);
            writer.WriteString("mime_type"u8, part.ContentType is { Length: > 0 } type && type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ? type : "image/png");
            writer.WriteBase64String("data"u8, bytes.AsSpan(0, length));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        finally
        {
            part.Content.Position = 0;
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Writes the OpenAI images answer for a Gemini answer; returns the images written (0: the model answered without one).</summary>
    /// <exception cref="JsonException">The answer is not a Gemini JSON object.</exception>
    public static int FromGenerateContent(ReadOnlySpan<byte> answer, long created, IBufferWriter<byte> output, out TokenUsage usage)
    {
        using var document = JsonDocument.Parse(answer.ToArray());
        var root = document.RootElement;
        usage = default;
        if (root.TryGetProperty("usageMetadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            var prompt = Number(metadata, "promptTokenCount");
            var output1 = Number(metadata, "candidatesTokenCount") + Number(metadata, "thoughtsTokenCount");
            usage = new TokenUsage { InputTokens = prompt, OutputTokens = output1, TotalTokens = prompt + output1 };
        }

        var images = 0;
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteNumber("created"u8, created);
        writer.WriteStartArray("data"u8);
        if (root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array)
        {
            foreach (var candidate in candidates.EnumerateArray())
            {
                if (!candidate.TryGetProperty("content", out var content) || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var part in parts.EnumerateArray())
                {
                    if ((part.TryGetProperty("inlineData", out var inline) || part.TryGetProperty("inline_data", out inline))
                        && inline.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String)
                    {
                        images++;
                        writer.WriteStartObject();
                        writer.WritePropertyName("b64_json"u8);
                        writer.WriteRawValue(data.GetRawText(), skipInputValidation: true); // Base64 as the upstream escaped it, not decoded.
                        writer.WriteEndObject();
                    }
                }
            }
        }

        writer.WriteEndArray();
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, usage.InputTokens);
        writer.WriteNumber("output_tokens"u8, usage.OutputTokens);
        writer.WriteNumber("total_tokens"u8, usage.TotalTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return images;
    }

    // Gemini's image models take an aspect ratio, not pixels: the OpenAI sizes map to their ratios; other sizes to the nearest listed.
    private static string? AspectRatio(string? size)
    {
        var x = size?.IndexOf('x', StringComparison.Ordinal) ?? -1;
        if (x <= 0 || !double.TryParse(size.AsSpan(0, x), System.Globalization.CultureInfo.InvariantCulture, out var width)
            || !double.TryParse(size.AsSpan(x + 1), System.Globalization.CultureInfo.InvariantCulture, out var height) || height <= 0)
        {
            return null;
        }

        ReadOnlySpan<(string Name, double Ratio)> ratios = [("1:1", 1), ("2:3", 2.0 / 3), ("3:2", 1.5), ("3:4", 0.75), ("4:3", 4.0 / 3), ("9:16", 9.0 / 16), ("16:9", 16.0 / 9), ("21:9", 21.0 / 9)];
        var wanted = width / height;
        var best = ratios[0];
        foreach (var candidate in ratios)
        {
            if (Math.Abs(Math.Log(candidate.Ratio / wanted)) < Math.Abs(Math.Log(best.Ratio / wanted)))
            {
                best = candidate;
            }
        }

        return best.Name;
    }

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : 0;
}

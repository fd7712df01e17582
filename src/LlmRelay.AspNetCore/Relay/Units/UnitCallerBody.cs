using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>An images, moderations or rerank body as each attempt sends it: as the caller wrote it, with <c>model</c> set to the channel's name for it, or converted to a Gemini generateContent turn (images, speech; issue #17).</summary>
/// <remarks>Owns the pooled buffer of a rewritten body, reused across attempts. Not thread-safe: one instance per request.</remarks>
internal sealed class UnitCallerBody(PooledBufferWriter body, UnitRequest request) : RelayContent, IDisposable
{
    private PooledBufferWriter? _rewritten;

    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> content)
    {
        if (!plan.PassThrough)
        {
            if (request.Operation == Providers.RelayOperation.AudioSpeech)
            {
                return GeminiSpeech.ToGenerateContent(request, Rewritten(), out content);
            }

            content = GeminiImages.ToGenerateContent(request, Rewritten());
            return null;
        }

        if (request.Model == upstreamModel)
        {
            content = body.WrittenMemory;
            return null;
        }

        var output = Rewritten();
        if (request.Parts is { } parts)
        {
            WriteMultipart(output, parts, request.Boundary!, upstreamModel);
        }
        else
        {
            WriteJson(output, body.WrittenSpan, upstreamModel);
        }

        content = output.WrittenMemory;
        return null;
    }

    public void Dispose() => _rewritten?.Dispose();

    private PooledBufferWriter Rewritten()
    {
        _rewritten ??= new PooledBufferWriter(0);
        _rewritten.Clear();
        return _rewritten;
    }

    // The caller's object with "model" first and every other member copied as written.
    private static void WriteJson(IBufferWriter<byte> output, ReadOnlySpan<byte> json, string model)
    {
        using var writer = new Utf8JsonWriter(output);
        var reader = new Utf8JsonReader(json);
        reader.Read();
        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isModel = reader.ValueTextEquals("model"u8);
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (!isModel)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(json[start..(int)reader.BytesConsumed], skipInputValidation: true);
            }
        }

        writer.WriteEndObject();
    }

    // The caller's sections as they came, without its "model" field, then the channel's model; the same boundary.
    private static void WriteMultipart(IBufferWriter<byte> output, List<MultipartPart> parts, string boundary, string model)
    {
        foreach (var part in parts)
        {
            if (part.Name == "model" && part.FileName is null)
            {
                continue;
            }

            Write(output, $"--{boundary}\r\n");
            foreach (var header in part.Headers)
            {
                Write(output, header + "\r\n");
            }

            Write(output, "\r\n");
            output.Write(part.Body);
            Write(output, "\r\n");
        }

        Write(output, $"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{model}\r\n--{boundary}--\r\n");
    }

    private static void Write(IBufferWriter<byte> output, string text) => output.Write(Encoding.UTF8.GetBytes(text));
}

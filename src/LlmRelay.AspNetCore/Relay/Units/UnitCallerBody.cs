using System.Buffers;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>An images, moderations, rerank or audio body as each attempt sends it: as the caller wrote it, with <c>model</c> set to the channel's name for it (an upload streamed, <see cref="MultipartUploadContent"/>), or converted to a Gemini generateContent turn (images, speech; issue #17).</summary>
/// <remarks>Owns the pooled buffer of a rewritten body, reused across attempts. Not thread-safe: one instance per request.</remarks>
internal sealed class UnitCallerBody(PooledBufferWriter body, UnitRequest request, string? contentType) : RelayContent, IDisposable
{
    private PooledBufferWriter? _rewritten;

    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> content)
    {
        if (!plan.PassThrough)
        {
            content = default;
            if (request.Operation == Providers.RelayOperation.AudioSpeech)
            {
                return GeminiSpeech.ToGenerateContent(request, Rewritten(), out content);
            }

            return GeminiImages.ToGenerateContent(request, Rewritten(), out content);
        }

        if (request.Model == upstreamModel)
        {
            content = body.WrittenMemory;
            return null;
        }

        var output = Rewritten();
        WriteJson(output, body.WrittenSpan, upstreamModel);
        content = output.WrittenMemory;
        return null;
    }

    /// <summary>An upload passed through is streamed from its buffered sections, never copied into one buffer (issue #17).</summary>
    public override HttpContent? CreateStreamedBody(in RelayPlan plan, string upstreamModel) =>
        plan.PassThrough && request.Parts is not null ? new MultipartUploadContent(request, contentType!, upstreamModel) : null;

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
}

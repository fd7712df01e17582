using System.Text.Json;
using LlmRelay.Formats;
using LlmRelay.Pipeline;

namespace LlmRelay.Tasks;

/// <summary>The body of a video creation for each attempt: <c>{"model","prompt","seconds","size"}</c> with the channel's model name.</summary>
internal sealed class VideoTaskContent(VideoTaskRequest request) : RelayContent
{
    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model"u8, upstreamModel);
            writer.WriteString("prompt"u8, request.Prompt);
            if (request.Seconds is { } seconds)
            {
                writer.WriteString("seconds"u8, seconds);
            }

            if (request.Size is { } size)
            {
                writer.WriteString("size"u8, size);
            }

            writer.WriteEndObject();
        }

        body = buffer.WrittenMemory;
        return null;
    }
}

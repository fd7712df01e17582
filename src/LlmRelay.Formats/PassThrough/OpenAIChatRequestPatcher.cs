using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Rewrites only what the relay must change in a passed-through body: the model, usage reporting for streams, and a missing <c>max_tokens</c>.</summary>
/// <remarks>
/// The common cases splice bytes: the <c>model</c> token is replaced in place, and
/// <c>"stream_options":{"include_usage":true}</c> and <c>"max_tokens":N</c> are inserted after the opening brace. Only a body that
/// already has <c>stream_options</c> without <c>include_usage: true</c> is re-serialised.
/// </remarks>
public static class OpenAIChatRequestPatcher
{
    private static ReadOnlySpan<byte> StreamOptions => "\"stream_options\":{\"include_usage\":true},"u8;

    /// <summary>Returns whether <see cref="Patch"/> would change the body.</summary>
    /// <param name="info">What the reader found in the body.</param>
    /// <param name="upstreamModel">The model to send upstream.</param>
    /// <param name="askForUsage">Whether a stream must ask for <c>stream_options.include_usage</c> (Chat Completions and Completions).</param>
    /// <param name="defaultMaxTokens">The <c>max_tokens</c> written when the body has none (Anthropic, where it is required); 0 writes none.</param>
    public static bool NeedsPatch(in OpenAIChatRequestInfo info, string upstreamModel, bool askForUsage = true, int defaultMaxTokens = 0) =>
        info.ModelLength == 0 || !string.Equals(info.Model, upstreamModel, StringComparison.Ordinal) || (askForUsage && info.Stream && !info.IncludeUsage)
        || (defaultMaxTokens > 0 && !info.HasMaxTokens);

    /// <summary>Writes the patched body to <paramref name="output"/>.</summary>
    /// <param name="body">The caller's body, as <paramref name="info"/> describes it.</param>
    /// <param name="info">What the reader found in the body.</param>
    /// <param name="upstreamModel">The model to send upstream.</param>
    /// <param name="output">Receives the patched body.</param>
    /// <param name="askForUsage">Whether a stream must ask for <c>stream_options.include_usage</c> (Chat Completions and Completions).</param>
    /// <param name="defaultMaxTokens">The <c>max_tokens</c> written when the body has none (Anthropic, where it is required); 0 writes none.</param>
    public static void Patch(ReadOnlySpan<byte> body, in OpenAIChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, bool askForUsage = true, int defaultMaxTokens = 0)
    {
        var addUsage = askForUsage && info.Stream && !info.IncludeUsage;
        var addMaxTokens = defaultMaxTokens > 0 && !info.HasMaxTokens;
        if (addUsage && info.HasStreamOptions)
        {
            Reserialise(body, upstreamModel, output, addMaxTokens ? defaultMaxTokens : 0);
            return;
        }

        var brace = body.IndexOf((byte)'{');
        output.Write(body[..(brace + 1)]);
        if (addUsage)
        {
            output.Write(StreamOptions);
        }

        if (addMaxTokens)
        {
            output.Write("\"max_tokens\":"u8);
            WriteNumber(output, defaultMaxTokens);
            output.Write(","u8);
        }

        if (info.ModelLength == 0)
        {
            // The model came from the URL (/v1/engines/{model}/embeddings): the upstream needs it in the body.
            output.Write("\"model\":"u8);
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStringValue(upstreamModel);
            }

            output.Write(","u8);
            output.Write(body[(brace + 1)..]);
            return;
        }

        if (string.Equals(info.Model, upstreamModel, StringComparison.Ordinal))
        {
            output.Write(body[(brace + 1)..]);
            return;
        }

        output.Write(body[(brace + 1)..info.ModelStart]);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStringValue(upstreamModel);
        }

        output.Write(body[(info.ModelStart + info.ModelLength)..]);
    }

    private static void WriteNumber(IBufferWriter<byte> output, int value)
    {
        var span = output.GetSpan(11);
        System.Buffers.Text.Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    private static void Reserialise(ReadOnlySpan<byte> body, string upstreamModel, IBufferWriter<byte> output, int maxTokens)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        node["model"] = upstreamModel;
        if (maxTokens > 0)
        {
            node["max_tokens"] = maxTokens;
        }

        if (node["stream_options"] is JsonObject options)
        {
            options["include_usage"] = true;
        }
        else
        {
            node["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        using var writer = new Utf8JsonWriter(output);
        node.WriteTo(writer);
    }
}

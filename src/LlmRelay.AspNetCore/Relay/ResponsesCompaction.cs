using System.Buffers;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;

namespace LlmRelay.AspNetCore.Relay;

/// <summary><c>POST /v1/responses/compact</c> on a channel without OpenAI's endpoint: one summarisation turn, answered in the compaction shape (issue #16).</summary>
/// <remarks>
/// <code>
/// caller: {"model", "instructions", "input": [history…], "tools", …}                         (Codex: compact.rs, CompactClient)
///   ─► upstream (converted to its family): instructions, [history…, user: Prompt], stream:false, tool_choice:none
///   ─► caller: {"id":"cmp_…","object":"response.compaction","created_at","output":[the history's user messages…,
///               user: SummaryPrefix + "\n" + the model's summary],"usage"}
/// </code>
/// OpenAI answers with the kept user messages and an opaque <c>compaction</c> item that only OpenAI can read; a summary as a
/// user message is what Codex itself builds when it compacts locally, and is readable by every family, so the conversation can
/// go on with any channel. Codex keeps the output items that are user messages and drops its own context wrappers.
/// </remarks>
internal static class ResponsesCompaction
{
    /// <summary>The request the summarisation turn ends with.</summary>
    public const string Prompt = """
        Context checkpoint: the conversation above is about to be replaced by a handoff summary, so that another model can take the work over without it.
        Write that handoff summary now. Cover:
        - the user's goal and the constraints or preferences they stated;
        - what has been done so far, the decisions taken and why;
        - the state of the work: files, commands, results and errors that matter;
        - what remains to be done, as concrete next steps;
        - any data, names or references needed to carry on.
        Be concise and structured. Answer with the summary only, and do not call any tool.
        """;

    /// <summary>What the summary message starts with, before the model's summary on the next line.</summary>
    public const string SummaryPrefix = "Another model worked on this conversation before you and left the handoff summary below. Continue from it: build on what was done and do not repeat it.";

    /// <summary>Writes the summarisation turn's Responses body: the caller's parameters, the whole history, then <see cref="Prompt"/>.</summary>
    public static void WriteSummaryRequest(ReadOnlySpan<byte> body, ResponsesChain chain, IBufferWriter<byte> output)
    {
        if (ResponsesBody.OpenCopy(body, ResponsesBody.Omit.Chain | ResponsesBody.Omit.Stream | ResponsesBody.Omit.ToolChoice, output, out var hasTools))
        {
            output.Write(","u8);
        }

        output.Write("\"input\":["u8);
        if (chain.WriteHistory(output))
        {
            output.Write(","u8);
        }

        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, "user"u8);
            writer.WriteString("content"u8, Prompt);
            writer.WriteEndObject();
        }

        // Tools stay declared (Anthropic refuses tool_use blocks in the history without them), but none may be called.
        output.Write(hasTools ? "],\"stream\":false,\"tool_choice\":\"none\"}"u8 : "],\"stream\":false}"u8);
    }

    /// <summary>Writes the compaction answer from the summarisation turn's answer (converted to a Responses object).</summary>
    /// <returns>The answer, or <see langword="null"/> when <paramref name="summary"/> is not a Responses object.</returns>
    public static byte[]? WriteAnswer(ReadOnlySpan<byte> summary, ResponsesChain chain, long createdAt)
    {
        using var history = new PooledBufferWriter(4096);
        history.Write("["u8);
        chain.WriteHistory(history);
        history.Write("]"u8);
        try
        {
            using var answer = JsonDocument.Parse(summary.ToArray());
            using var items = JsonDocument.Parse(history.WrittenMemory);
            if (answer.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            using var output = new PooledBufferWriter(4096);
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, "cmp_" + Guid.NewGuid().ToString("N"));
                writer.WriteString("object"u8, "response.compaction"u8);
                writer.WriteNumber("created_at"u8, createdAt);
                writer.WriteStartArray("output"u8);
                foreach (var item in items.RootElement.EnumerateArray())
                {
                    if (IsUserMessage(item) && item.TryGetProperty("content"u8, out var content))
                    {
                        WriteUserMessage(writer, content);
                    }
                }

                writer.WriteStartObject();
                writer.WriteString("type"u8, "message"u8);
                writer.WriteString("role"u8, "user"u8);
                writer.WriteStartArray("content"u8);
                writer.WriteStartObject();
                writer.WriteString("type"u8, "input_text"u8);
                writer.WriteString("text"u8, SummaryPrefix + "\n" + SummaryText(answer.RootElement));
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndArray();
                if (answer.RootElement.TryGetProperty("usage"u8, out var usage))
                {
                    writer.WritePropertyName("usage"u8);
                    usage.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            return output.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsUserMessage(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object
        && item.TryGetProperty("role"u8, out var role) && role.ValueEquals("user"u8)
        && (!item.TryGetProperty("type"u8, out var type) || type.ValueEquals("message"u8));

    // A user message as Codex reads it: content parts, a plain string becoming one input_text part.
    private static void WriteUserMessage(Utf8JsonWriter writer, JsonElement content)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "message"u8);
        writer.WriteString("role"u8, "user"u8);
        writer.WritePropertyName("content"u8);
        if (content.ValueKind == JsonValueKind.String)
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("type"u8, "input_text"u8);
            writer.WriteString("text"u8, content.GetString());
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
        else
        {
            content.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    // The text of the answer's assistant messages.
    private static string SummaryText(JsonElement response)
    {
        var text = new System.Text.StringBuilder();
        if (response.TryGetProperty("output"u8, out var output) && output.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in output.EnumerateArray())
            {
                if (item.TryGetProperty("type"u8, out var type) && type.ValueEquals("message"u8)
                    && item.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in content.EnumerateArray())
                    {
                        if (part.TryGetProperty("text"u8, out var value) && value.ValueKind == JsonValueKind.String)
                        {
                            text.Append(value.GetString());
                        }
                    }
                }
            }
        }

        return text.Length > 0 ? text.ToString() : "(no summary available)";
    }
}

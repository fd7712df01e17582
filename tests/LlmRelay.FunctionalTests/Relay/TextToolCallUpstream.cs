using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// A mock upstream whose model has no native tool calling: it writes its tool call as text
/// (<c>{"tool_calls":[...]}</c>, the shape of seed-ds2api.md), in whichever family the request path names, streaming when asked.
/// </summary>
/// <remarks>A request whose body holds <see cref="NoCallMarker"/> gets <see cref="PlainAnswer"/>, with no call. Usage is always 12 prompt and 4 completion tokens.</remarks>
internal static class TextToolCallUpstream
{
    public const string Preamble = "Let me check.";

    public const string CallText = Preamble + "\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]}";

    public const string NoCallMarker = "NOCALL";

    public const string PlainAnswer = "I will not call anything.";

    public static Func<HttpContext, RecordedRequest, Task> Handler => async (context, request) =>
    {
        var path = context.Request.Path.Value ?? "";
        var body = request.Body.Length > 0 ? JsonNode.Parse(request.Body) : null;
        var stream = body?["stream"]?.GetValue<bool>() == true || path.Contains(":streamGenerateContent", StringComparison.Ordinal);
        var text = request.BodyText.Contains(NoCallMarker, StringComparison.Ordinal) ? PlainAnswer : CallText;
        string answer;
        if (path.EndsWith("/messages", StringComparison.Ordinal))
        {
            answer = stream ? AnthropicStream(text) : AnthropicJson(text);
        }
        else if (path.Contains(":generateContent", StringComparison.Ordinal) || path.Contains(":streamGenerateContent", StringComparison.Ordinal))
        {
            answer = stream ? GeminiStream(text) : GeminiJson(text);
        }
        else if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            answer = stream ? ResponsesStream(text) : ResponsesJson(text);
        }
        else
        {
            answer = stream ? OpenAIStream(text) : OpenAIJson(text);
        }

        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        var bytes = Encoding.UTF8.GetBytes(answer);
        // Streams go out in small pieces, so the gateway sees events (and the call's JSON) split across reads.
        var step = stream ? 37 : bytes.Length;
        for (var offset = 0; offset < bytes.Length; offset += step)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(step, bytes.Length - offset)));
            await context.Response.Body.FlushAsync();
        }
    };

    // The text as the model streams it: a few characters per delta, so the call's markup arrives in pieces.
    private static IEnumerable<string> Deltas(string text)
    {
        for (var i = 0; i < text.Length; i += 9)
        {
            yield return text.Substring(i, Math.Min(9, text.Length - i));
        }
    }

    private static string Json(string value) => JsonSerializer.Serialize(value);

    private static string OpenAIJson(string text) =>
        $$$"""{"id":"chatcmpl-1","object":"chat.completion","created":1766084435,"model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":{{{Json(text)}}}},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}""";

    private static string OpenAIStream(string text)
    {
        const string head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":";
        var sb = new StringBuilder();
        sb.Append(head).Append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        foreach (var d in Deltas(text))
        {
            sb.Append(head).Append("{\"content\":").Append(Json(d)).Append("},\"finish_reason\":null}]}\n\n");
        }

        sb.Append(head).Append("{},\"finish_reason\":\"stop\"}]}\n\n");
        sb.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"deepseek-chat\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}\n\n");
        sb.Append("data: [DONE]\n\n");
        return sb.ToString();
    }

    private static string AnthropicJson(string text) =>
        $$$"""{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":{{{Json(text)}}}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":4}}""";

    private static string AnthropicStream(string text)
    {
        var sb = new StringBuilder();
        sb.Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n");
        sb.Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        foreach (var d in Deltas(text))
        {
            sb.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":").Append(Json(d)).Append("}}\n\n");
        }

        sb.Append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        sb.Append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":12,\"output_tokens\":4}}\n\n");
        sb.Append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return sb.ToString();
    }

    private static string GeminiJson(string text) =>
        $$$"""{"candidates":[{"content":{"parts":[{"text":{{{Json(text)}}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":4,"totalTokenCount":16},"modelVersion":"gemini-2.5-flash","responseId":"r1"}""";

    private static string GeminiStream(string text)
    {
        var sb = new StringBuilder();
        var deltas = Deltas(text).ToList();
        for (var i = 0; i < deltas.Count; i++)
        {
            var last = i == deltas.Count - 1;
            sb.Append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":").Append(Json(deltas[i])).Append("}],\"role\":\"model\"}")
              .Append(last ? ",\"finishReason\":\"STOP\"" : "")
              .Append(",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":").Append(last ? 4 : 1)
              .Append(",\"totalTokenCount\":").Append(last ? 16 : 13).Append("},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n");
        }

        return sb.ToString();
    }

    private static string ResponsesJson(string text) =>
        $$$"""{"id":"resp_1","object":"response","created_at":1766084435,"status":"completed","model":"gpt-4o","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":{{{Json(text)}}},"annotations":[]}]}],"usage":{"input_tokens":12,"output_tokens":4,"total_tokens":16}}""";

    private static string ResponsesStream(string text)
    {
        var sb = new StringBuilder();
        sb.Append("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"usage\":null}}\n\n");
        var n = 1;
        foreach (var d in Deltas(text))
        {
            sb.Append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":").Append(n++).Append(",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":").Append(Json(d)).Append("}\n\n");
        }

        sb.Append("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":").Append(n).Append(",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":4,\"total_tokens\":16}}}\n\n");
        return sb.ToString();
    }
}

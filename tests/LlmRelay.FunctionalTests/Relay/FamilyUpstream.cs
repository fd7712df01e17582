using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>A mock upstream that answers in whichever family the request path names, streaming when asked; shapes follow ../shared/fixtures/upstream.</summary>
internal static class FamilyUpstream
{
    public const string Text = "Hello from upstream";

    /// <summary>A gateway with one channel of each type on <paramref name="baseUrl"/>: <c>openai-model</c> (gpt-4o), <c>anthropic-model</c> and <c>gemini-model</c>, priced flat.</summary>
    public static Dictionary<string, string?> Channels(string baseUrl, string geminiModel = "gemini-2.5-flash") => Settings.Merge(
        Settings.Token(),
        Settings.FlatPrice("openai-model", "anthropic-model", "gemini-model"),
        Settings.Channel(0, baseUrl, ["openai-model"], name: "oa", type: "openai", mapping: new() { ["openai-model"] = "gpt-4o" }),
        Settings.Channel(1, baseUrl, ["anthropic-model"], name: "an", type: "anthropic", mapping: new() { ["anthropic-model"] = "claude-sonnet-4-20250514" }),
        Settings.Channel(2, baseUrl, ["gemini-model"], name: "ge", type: "gemini", mapping: new() { ["gemini-model"] = geminiModel }));

    public static Func<HttpContext, RecordedRequest, Task> Handler => async (context, request) =>
    {
        var path = context.Request.Path.Value ?? "";
        var body = request.Body.Length > 0 ? JsonNode.Parse(request.Body) : null;
        var stream = body?["stream"]?.GetValue<bool>() == true || path.Contains(":streamGenerateContent", StringComparison.Ordinal);
        string answer;
        if (path.EndsWith("/messages", StringComparison.Ordinal))
        {
            answer = stream ? AnthropicStream : AnthropicJson;
        }
        else if (path.Contains(":generateContent", StringComparison.Ordinal) || path.Contains(":streamGenerateContent", StringComparison.Ordinal))
        {
            answer = stream ? GeminiStream : GeminiJson;
        }
        else if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            answer = stream ? ResponsesStream : ResponsesJson;
        }
        else if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            answer = EmbeddingsJson;
        }
        else if (path.EndsWith("/completions", StringComparison.Ordinal) && !path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            answer = stream ? CompletionsStream : CompletionsJson;
        }
        else
        {
            answer = stream ? OpenAIStream : OpenAIJson;
        }

        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        var bytes = Encoding.UTF8.GetBytes(answer);
        // Write streams in small pieces so the gateway sees events split across reads.
        for (var offset = 0; offset < bytes.Length; offset += stream ? 50 : bytes.Length)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(stream ? 50 : bytes.Length, bytes.Length - offset)));
            await context.Response.Body.FlushAsync();
        }
    };

    public const string OpenAIJson = """{"id":"chatcmpl-1","object":"chat.completion","created":1766084435,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from upstream"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}""";

    public const string OpenAIStream =
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello from\"},\"finish_reason\":null}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" upstream\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}\n\n" +
        "data: [DONE]\n\n";

    public const string AnthropicJson = """{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"Hello from upstream"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":4}}""";

    public const string AnthropicStream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}         }\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}           }\n\n" +
        "event: ping\ndata: {\"type\": \"ping\"}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello from\"}       }\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" upstream\"}       }\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0  }\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":4}          }\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"      }\n\n";

    public const string GeminiJson = """
        {
          "candidates": [
            {
              "content": {
                "parts": [
                  {
                    "text": "Hello from upstream"
                  }
                ],
                "role": "model"
              },
              "finishReason": "STOP",
              "index": 0
            }
          ],
          "usageMetadata": {
            "promptTokenCount": 12,
            "candidatesTokenCount": 4,
            "totalTokenCount": 16
          },
          "modelVersion": "gemini-2.5-flash",
          "responseId": "r1"
        }

        """;

    public const string GeminiStream =
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hello from\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 12,\"candidatesTokenCount\": 2,\"totalTokenCount\": 14},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n" +
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" upstream\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 12,\"candidatesTokenCount\": 4,\"totalTokenCount\": 16},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n";

    public const string ResponsesJson = """{"id":"resp_1","object":"response","created_at":1766084435,"status":"completed","model":"gpt-4o","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello from upstream","annotations":[]}]}],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":4,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":16}}""";

    public const string ResponsesStream =
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"usage\":null}}\n\n" +
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hello from upstream\"}\n\n" +
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":4,\"total_tokens\":16}}}\n\n";

    public const string CompletionsJson = """{"id":"cmpl-1","object":"text_completion","created":1,"model":"gpt-3.5-turbo-instruct","choices":[{"text":"Hello from upstream","index":0,"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}""";

    public const string CompletionsStream =
        "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"text\":\"Hello from upstream\",\"index\":0,\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n" +
        "data: [DONE]\n\n";

    public const string EmbeddingsJson = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}}""";
}

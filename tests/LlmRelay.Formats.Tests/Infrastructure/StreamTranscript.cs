using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmRelay.Formats.Tests.Infrastructure;

/// <summary>
/// What a client of one family would reconstruct from a stream: an independent oracle built on
/// System.Net.ServerSentEvents and JsonNode, used to compare a source stream with its conversion.
/// </summary>
internal sealed class StreamTranscript
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public StringBuilder Text { get; } = new();

    public StringBuilder Reasoning { get; } = new();

    public List<(string Id, string Name, StringBuilder Arguments)> ToolCalls { get; } = [];

    public bool Terminated { get; set; }

    public string? Error { get; set; }

    public string? FinishReason { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public int EventCount { get; set; }

    public static StreamTranscript Parse(WireFormat format, byte[] sse)
    {
        var t = new StreamTranscript();
        var toolByIndex = new Dictionary<long, int>();
        foreach (SseItem<string> item in SseParser.Create(new MemoryStream(sse)).Enumerate())
        {
            t.EventCount++;
            if (item.Data == "[DONE]")
            {
                Assert.Equal(WireFormat.OpenAIChat, format);
                t.Terminated = true;
                continue;
            }

            JsonNode node = JsonNode.Parse(item.Data) ?? throw new InvalidOperationException("null event");
            switch (format)
            {
                case WireFormat.OpenAIChat:
                    t.OpenAI(node, toolByIndex);
                    break;
                case WireFormat.Anthropic:
                    Assert.Equal(item.EventType, (string?)node["type"]);
                    t.Anthropic(node, toolByIndex);
                    break;
                case WireFormat.Gemini:
                    t.Gemini(node);
                    break;
                default:
                    Assert.Equal(item.EventType, (string?)node["type"]);
                    t.Responses(node, toolByIndex);
                    break;
            }
        }

        return t;
    }

    public void AssertToolArgumentsAreJson()
    {
        foreach ((string _, string name, StringBuilder args) in ToolCalls)
        {
            string a = args.Length == 0 ? "{}" : args.ToString();
            JsonNode? parsed = JsonNode.Parse(a);
            Assert.True(parsed is JsonObject, $"Arguments of {name} are not a JSON object: {a}");
        }
    }

    public static void AssertEquivalent(StreamTranscript source, StreamTranscript converted, bool compareReasoning = true)
    {
        Assert.Equal(source.Text.ToString(), converted.Text.ToString());
        if (compareReasoning)
        {
            Assert.Equal(source.Reasoning.ToString(), converted.Reasoning.ToString());
        }

        Assert.Equal(source.ToolCalls.Select(c => c.Name), converted.ToolCalls.Select(c => c.Name));
        for (int i = 0; i < source.ToolCalls.Count; i++)
        {
            string a = source.ToolCalls[i].Arguments.Length == 0 ? "{}" : source.ToolCalls[i].Arguments.ToString();
            string b = converted.ToolCalls[i].Arguments.Length == 0 ? "{}" : converted.ToolCalls[i].Arguments.ToString();
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b)), $"Tool {i} arguments differ: {a} vs {b}");
        }

        Assert.True(converted.Terminated, "The converted stream has no closing event.");
        Assert.Equal(source.Error is null, converted.Error is null);
    }

    private static long? AnthropicInput(JsonNode? usage) => usage?["input_tokens"] is null
        ? null
        : (long?)usage["input_tokens"] + ((long?)usage["cache_read_input_tokens"] ?? 0) + ((long?)usage["cache_creation_input_tokens"] ?? 0);

    private static string Str(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? s : string.Empty;

    private int Tool(Dictionary<long, int> map, long key, string id, string name)
    {
        if (!map.TryGetValue(key, out int i))
        {
            i = ToolCalls.Count;
            map[key] = i;
            ToolCalls.Add((id, name, new StringBuilder()));
        }

        return i;
    }

    private void OpenAI(JsonNode node, Dictionary<long, int> tools)
    {
        if (node["error"] is JsonNode err)
        {
            Error = Str(err["message"]);
            return;
        }

        if (node["usage"] is JsonObject u)
        {
            InputTokens = (long?)u["prompt_tokens"];
            OutputTokens = (long?)u["completion_tokens"];
        }

        if (node["choices"] is not JsonArray choices || choices.Count == 0)
        {
            return;
        }

        JsonNode choice = choices[0]!;
        JsonNode? delta = choice["delta"];
        Text.Append(Str(delta?["content"]));
        Reasoning.Append(Str(delta?["reasoning_content"]));
        if (delta?["tool_calls"] is JsonArray calls)
        {
            foreach (JsonNode? c in calls)
            {
                int i = Tool(tools, (long)c!["index"]!, Str(c["id"]), Str(c["function"]?["name"]));
                ToolCalls[i].Arguments.Append(Str(c["function"]?["arguments"]));
            }
        }

        if (choice["finish_reason"] is JsonValue fr && fr.TryGetValue(out string? f))
        {
            FinishReason = f;
        }
    }

    private void Anthropic(JsonNode node, Dictionary<long, int> tools)
    {
        switch (Str(node["type"]))
        {
            case "message_start":
                InputTokens = AnthropicInput(node["message"]?["usage"]);
                break;
            case "content_block_start":
                if (Str(node["content_block"]?["type"]) == "tool_use")
                {
                    Tool(tools, (long)node["index"]!, Str(node["content_block"]!["id"]), Str(node["content_block"]!["name"]));
                }
                else
                {
                    Text.Append(Str(node["content_block"]?["text"]));
                }

                break;
            case "content_block_delta":
                JsonNode d = node["delta"]!;
                Text.Append(Str(d["text"]));
                Reasoning.Append(Str(d["thinking"]));
                if (Str(d["type"]) == "input_json_delta")
                {
                    ToolCalls[tools[(long)node["index"]!]].Arguments.Append(Str(d["partial_json"]));
                }

                break;
            case "message_delta":
                FinishReason = Str(node["delta"]?["stop_reason"]);
                OutputTokens = (long?)node["usage"]?["output_tokens"];
                InputTokens = AnthropicInput(node["usage"]) ?? InputTokens;
                break;
            case "message_stop":
                Terminated = true;
                break;
            case "error":
                Error = Str(node["error"]?["message"]);
                break;
        }
    }

    private void Gemini(JsonNode node)
    {
        if (node["error"] is JsonNode err)
        {
            Error = Str(err["message"]);
            return;
        }

        if (node["usageMetadata"] is JsonObject u)
        {
            InputTokens = (long?)u["promptTokenCount"] + ((long?)u["toolUsePromptTokenCount"] ?? 0);
            OutputTokens = ((long?)u["candidatesTokenCount"] ?? 0) + ((long?)u["thoughtsTokenCount"] ?? 0);
        }

        JsonNode? cand = node["candidates"]?[0];
        if (cand?["content"]?["parts"] is JsonArray parts)
        {
            foreach (JsonNode? p in parts)
            {
                if (p!["functionCall"] is JsonNode fc)
                {
                    ToolCalls.Add((Str(fc["id"]), Str(fc["name"]), new StringBuilder(fc["args"]?.ToJsonString(Relaxed) ?? "{}")));
                }
                else if ((bool?)p["thought"] == true)
                {
                    Reasoning.Append(Str(p["text"]));
                }
                else
                {
                    Text.Append(Str(p["text"]));
                }
            }
        }

        if (cand?["finishReason"] is JsonNode f)
        {
            FinishReason = Str(f);
            Terminated = true;
        }
    }

    private void Responses(JsonNode node, Dictionary<long, int> tools)
    {
        switch (Str(node["type"]))
        {
            case "response.output_text.delta":
                Text.Append(Str(node["delta"]));
                break;
            case "response.reasoning_summary_text.delta":
                Reasoning.Append(Str(node["delta"]));
                break;
            case "response.output_item.added" when Str(node["item"]?["type"]) == "function_call":
                Tool(tools, (long)node["output_index"]!, Str(node["item"]!["call_id"]), Str(node["item"]!["name"]));
                break;
            case "response.function_call_arguments.delta":
                ToolCalls[tools[(long)node["output_index"]!]].Arguments.Append(Str(node["delta"]));
                break;
            case "error":
                Error = Str(node["message"]) is { Length: > 0 } m ? m : Str(node["error"]?["message"]);
                break;
            case "response.completed" or "response.incomplete" or "response.failed":
                Terminated = true;
                FinishReason = Str(node["response"]?["status"]);
                InputTokens = (long?)node["response"]?["usage"]?["input_tokens"];
                OutputTokens = (long?)node["response"]?["usage"]?["output_tokens"];
                break;
        }
    }
}

using System.Text;
using System.Text.Json.Nodes;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>What a caller read from an answer in its own family, whole or streamed: text, tool calls, finish reason, error.</summary>
internal sealed class CallerAnswer
{
    public StringBuilder Text { get; } = new();

    public List<(string Id, string Name, StringBuilder Arguments)> Calls { get; } = [];

    /// <summary>Gets the finish reason: OpenAI <c>finish_reason</c>, Anthropic <c>stop_reason</c>, Gemini <c>finishReason</c>, Responses status.</summary>
    public string? Finish { get; private set; }

    /// <summary>Gets the error the stream ended with (its JSON), if any.</summary>
    public string? Error { get; private set; }

    /// <summary>Gets whether the stream ended with its family's closing event.</summary>
    public bool Closed { get; private set; }

    public static CallerAnswer Parse(string caller, bool stream, string text)
    {
        var answer = new CallerAnswer();
        if (!stream)
        {
            answer.ReadBody(caller, JsonNode.Parse(text)!);
            return answer;
        }

        foreach (var line in text.Split('\n').Select(static l => l.TrimEnd('\r')))
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line[5..].Trim();
            if (data == "[DONE]")
            {
                answer.Closed = true;
                continue;
            }

            answer.ReadEvent(caller, JsonNode.Parse(data)!);
        }

        return answer;
    }

    private void ReadBody(string caller, JsonNode json)
    {
        switch (caller)
        {
            case "anthropic":
                foreach (var block in json["content"]!.AsArray())
                {
                    if (block!["type"]!.GetValue<string>() == "text")
                    {
                        Text.Append(block["text"]!.GetValue<string>());
                    }
                    else if (block["type"]!.GetValue<string>() == "tool_use")
                    {
                        Calls.Add((block["id"]!.GetValue<string>(), block["name"]!.GetValue<string>(), new StringBuilder(block["input"]!.ToJsonString())));
                    }
                }

                Finish = json["stop_reason"]?.GetValue<string>();
                break;
            case "gemini":
                var candidate = json["candidates"]![0]!;
                ReadGeminiParts(candidate);
                Finish = candidate["finishReason"]?.GetValue<string>();
                break;
            case "responses":
                foreach (var item in json["output"]!.AsArray())
                {
                    if (item!["type"]!.GetValue<string>() == "message")
                    {
                        foreach (var part in item["content"]!.AsArray())
                        {
                            Text.Append(part!["text"]?.GetValue<string>());
                        }
                    }
                    else if (item["type"]!.GetValue<string>() == "function_call")
                    {
                        Calls.Add((item["call_id"]!.GetValue<string>(), item["name"]!.GetValue<string>(), new StringBuilder(item["arguments"]!.GetValue<string>())));
                    }
                }

                Finish = json["status"]?.GetValue<string>();
                break;
            default:
                var choice = json["choices"]![0]!;
                Text.Append(choice["message"]!["content"]?.GetValue<string>());
                foreach (var call in choice["message"]!["tool_calls"]?.AsArray() ?? [])
                {
                    Calls.Add((call!["id"]!.GetValue<string>(), call["function"]!["name"]!.GetValue<string>(), new StringBuilder(call["function"]!["arguments"]!.GetValue<string>())));
                }

                Finish = choice["finish_reason"]?.GetValue<string>();
                break;
        }
    }

    private void ReadEvent(string caller, JsonNode e)
    {
        if (e["error"] is { } error && caller != "responses")
        {
            Error = error.ToJsonString();
            return;
        }

        switch (caller)
        {
            case "anthropic":
                switch (e["type"]?.GetValue<string>())
                {
                    case "content_block_start" when e["content_block"]!["type"]!.GetValue<string>() == "tool_use":
                        Calls.Add((e["content_block"]!["id"]!.GetValue<string>(), e["content_block"]!["name"]!.GetValue<string>(), new StringBuilder()));
                        break;
                    case "content_block_delta" when e["delta"]!["type"]!.GetValue<string>() == "text_delta":
                        Text.Append(e["delta"]!["text"]!.GetValue<string>());
                        break;
                    case "content_block_delta" when e["delta"]!["type"]!.GetValue<string>() == "input_json_delta":
                        Calls[^1].Arguments.Append(e["delta"]!["partial_json"]!.GetValue<string>());
                        break;
                    case "message_delta":
                        Finish = e["delta"]!["stop_reason"]?.GetValue<string>();
                        break;
                    case "message_stop":
                        Closed = true;
                        break;
                }

                break;
            case "gemini":
                if (e["candidates"]?[0] is { } candidate)
                {
                    ReadGeminiParts(candidate);
                    if (candidate["finishReason"] is { } finish)
                    {
                        Finish = finish.GetValue<string>();
                        Closed = true;
                    }
                }

                break;
            case "responses":
                switch (e["type"]?.GetValue<string>())
                {
                    case "response.output_text.delta":
                        Text.Append(e["delta"]!.GetValue<string>());
                        break;
                    case "response.output_item.added" when e["item"]!["type"]!.GetValue<string>() == "function_call":
                        Calls.Add((e["item"]!["call_id"]!.GetValue<string>(), e["item"]!["name"]!.GetValue<string>(), new StringBuilder()));
                        break;
                    case "response.function_call_arguments.delta":
                        Calls[^1].Arguments.Append(e["delta"]!.GetValue<string>());
                        break;
                    case "response.completed":
                        Finish = e["response"]!["status"]!.GetValue<string>();
                        Closed = true;
                        break;
                    case "response.failed":
                        Finish = "failed";
                        Error = e["response"]!["error"]?.ToJsonString() ?? e.ToJsonString();
                        Closed = true;
                        break;
                    case "error":
                        Error = e.ToJsonString();
                        break;
                }

                break;
            default:
                if (e["choices"]?.AsArray() is not { Count: > 0 } choices)
                {
                    break;
                }

                var delta = choices[0]!["delta"];
                Text.Append(delta?["content"]?.GetValue<string>());
                foreach (var call in delta?["tool_calls"]?.AsArray() ?? [])
                {
                    var index = call!["index"]!.GetValue<int>();
                    if (index == Calls.Count)
                    {
                        Calls.Add((call["id"]!.GetValue<string>(), call["function"]!["name"]!.GetValue<string>(), new StringBuilder()));
                    }

                    Calls[index].Arguments.Append(call["function"]?["arguments"]?.GetValue<string>());
                }

                Finish = choices[0]!["finish_reason"]?.GetValue<string>() ?? Finish;
                break;
        }
    }

    private void ReadGeminiParts(JsonNode candidate)
    {
        foreach (var part in candidate["content"]?["parts"]?.AsArray() ?? [])
        {
            if (part!["functionCall"] is { } call)
            {
                Calls.Add((call["id"]?.GetValue<string>() ?? "", call["name"]!.GetValue<string>(), new StringBuilder(call["args"]!.ToJsonString())));
            }
            else
            {
                Text.Append(part["text"]?.GetValue<string>());
            }
        }
    }
}

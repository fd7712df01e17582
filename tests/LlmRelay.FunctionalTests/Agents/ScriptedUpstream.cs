using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// A mock upstream that plays the provider of whichever family the request path names (Chat Completions, Responses,
/// Anthropic Messages, Gemini generateContent), streaming when asked, with the turn <see cref="AgentScript"/> decides.
/// Answer shapes follow ../shared/fixtures/upstream; every answer reports <see cref="AgentTurn.PromptTokens"/> and
/// <see cref="AgentTurn.CompletionTokens"/>.
/// </summary>
internal static class ScriptedUpstream
{
    public static Func<HttpContext, RecordedRequest, Task> Handler => (context, request) => AnswerAsync(context, request, static (_, turn) => turn);

    /// <summary>Answers with the scripted turn, after <paramref name="adjust"/> (which may refuse it by returning <see langword="null"/>: a 503).</summary>
    public static async Task AnswerAsync(HttpContext context, RecordedRequest request, Func<RecordedRequest, AgentTurn, AgentTurn?> adjust)
    {
        var path = context.Request.Path.Value ?? "";
        var body = request.Body.Length > 0 ? JsonNode.Parse(request.Body) : null;
        var gemini = path.Contains("enerateContent", StringComparison.Ordinal);
        var stream = body?["stream"]?.GetValue<bool>() == true || path.Contains(":streamGenerateContent", StringComparison.Ordinal);
        var turn = adjust(request, AgentScript.Decide(request.BodyText, AgentScript.Tools(body)));
        if (turn is null)
        {
            context.Response.StatusCode = 503;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"error":{"message":"The scripted upstream is overloaded.","type":"server_error","code":"overloaded"}}""");
            return;
        }

        string answer = path switch
        {
            _ when path.EndsWith("/messages", StringComparison.Ordinal) => stream ? AnthropicStream(turn) : AnthropicJson(turn).ToJsonString(),
            _ when gemini => stream ? "data: " + GeminiJson(turn).ToJsonString() + "\r\n\r\n" : GeminiJson(turn).ToJsonString(),
            _ when path.EndsWith("/responses", StringComparison.Ordinal) => stream ? ResponsesStream(turn) : ResponsesJson(turn).ToJsonString(),
            _ => stream ? ChatStream(turn) : ChatJson(turn).ToJsonString(),
        };
        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        await context.Response.WriteAsync(answer);
    }

    private static JsonObject ChatJson(AgentTurn turn) => new()
    {
        ["id"] = "chatcmpl-agent",
        ["object"] = "chat.completion",
        ["created"] = 1766084435,
        ["model"] = "scripted",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = turn.Text is not null
                ? new JsonObject { ["role"] = "assistant", ["content"] = turn.Text }
                : new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(ChatToolCall(turn, withIndex: false)) },
            ["finish_reason"] = turn.Text is not null ? "stop" : "tool_calls",
        }),
        ["usage"] = ChatUsage(),
    };

    private static string ChatStream(AgentTurn turn)
    {
        JsonObject delta = turn.Text is not null
            ? new() { ["role"] = "assistant", ["content"] = turn.Text }
            : new() { ["role"] = "assistant", ["tool_calls"] = new JsonArray(ChatToolCall(turn, withIndex: true)) };
        return Sse(null,
            ChatChunk(delta, null),
            ChatChunk(new JsonObject(), turn.Text is not null ? "stop" : "tool_calls"),
            new JsonObject { ["id"] = "chatcmpl-agent", ["object"] = "chat.completion.chunk", ["created"] = 1766084435, ["model"] = "scripted", ["choices"] = new JsonArray(), ["usage"] = ChatUsage() })
            + "data: [DONE]\n\n";
    }

    private static JsonObject ChatChunk(JsonObject delta, string? finish) => new()
    {
        ["id"] = "chatcmpl-agent",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1766084435,
        ["model"] = "scripted",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
    };

    private static JsonObject ChatToolCall(AgentTurn turn, bool withIndex)
    {
        var call = new JsonObject { ["id"] = "call_agent_1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = turn.ToolName, ["arguments"] = turn.Arguments } };
        if (withIndex)
        {
            call["index"] = 0;
        }

        return call;
    }

    private static JsonObject ChatUsage() => new() { ["prompt_tokens"] = AgentTurn.PromptTokens, ["completion_tokens"] = AgentTurn.CompletionTokens, ["total_tokens"] = AgentTurn.PromptTokens + AgentTurn.CompletionTokens };

    private static JsonObject AnthropicBlock(AgentTurn turn) => turn.Text is not null
        ? new() { ["type"] = "text", ["text"] = turn.Text }
        : new() { ["type"] = "tool_use", ["id"] = "toolu_agent_1", ["name"] = turn.ToolName, ["input"] = JsonNode.Parse(turn.Arguments!) };

    private static JsonObject AnthropicJson(AgentTurn turn) => new()
    {
        ["id"] = "msg_agent",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = "scripted",
        ["content"] = new JsonArray(AnthropicBlock(turn)),
        ["stop_reason"] = turn.Text is not null ? "end_turn" : "tool_use",
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = AgentTurn.PromptTokens, ["output_tokens"] = AgentTurn.CompletionTokens },
    };

    private static string AnthropicStream(AgentTurn turn)
    {
        var start = AnthropicBlock(turn);
        JsonObject delta;
        if (turn.Text is not null)
        {
            start["text"] = "";
            delta = new() { ["type"] = "text_delta", ["text"] = turn.Text };
        }
        else
        {
            start["input"] = new JsonObject();
            delta = new() { ["type"] = "input_json_delta", ["partial_json"] = turn.Arguments };
        }

        return Sse("type",
            new JsonObject { ["type"] = "message_start", ["message"] = new JsonObject { ["id"] = "msg_agent", ["type"] = "message", ["role"] = "assistant", ["model"] = "scripted", ["content"] = new JsonArray(), ["stop_reason"] = null, ["stop_sequence"] = null, ["usage"] = new JsonObject { ["input_tokens"] = AgentTurn.PromptTokens, ["output_tokens"] = 1 } } },
            new JsonObject { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = start },
            new JsonObject { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = delta },
            new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 },
            new JsonObject { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = turn.Text is not null ? "end_turn" : "tool_use", ["stop_sequence"] = null }, ["usage"] = new JsonObject { ["output_tokens"] = AgentTurn.CompletionTokens } },
            new JsonObject { ["type"] = "message_stop" });
    }

    private static JsonObject GeminiJson(AgentTurn turn) => new()
    {
        ["candidates"] = new JsonArray(new JsonObject
        {
            ["content"] = new JsonObject
            {
                ["role"] = "model",
                ["parts"] = new JsonArray(turn.Text is not null
                    ? new JsonObject { ["text"] = turn.Text }
                    : new JsonObject { ["functionCall"] = new JsonObject { ["name"] = turn.ToolName, ["args"] = JsonNode.Parse(turn.Arguments!) } }),
            },
            ["finishReason"] = "STOP",
            ["index"] = 0,
        }),
        ["usageMetadata"] = new JsonObject { ["promptTokenCount"] = AgentTurn.PromptTokens, ["candidatesTokenCount"] = AgentTurn.CompletionTokens, ["totalTokenCount"] = AgentTurn.PromptTokens + AgentTurn.CompletionTokens },
        ["modelVersion"] = "scripted",
        ["responseId"] = "agent-response",
    };

    private static JsonObject ResponsesItem(AgentTurn turn) => turn.Text is not null
        ? new() { ["id"] = "msg_agent_1", ["type"] = "message", ["status"] = "completed", ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = turn.Text, ["annotations"] = new JsonArray() }) }
        : new() { ["id"] = "fc_agent_1", ["type"] = "function_call", ["status"] = "completed", ["call_id"] = "call_agent_1", ["name"] = turn.ToolName, ["arguments"] = turn.Arguments };

    private static JsonObject ResponsesJson(AgentTurn turn) => new()
    {
        ["id"] = "resp_agent",
        ["object"] = "response",
        ["created_at"] = 1766084435,
        ["status"] = "completed",
        ["model"] = "scripted",
        ["output"] = new JsonArray(ResponsesItem(turn)),
        ["usage"] = new JsonObject { ["input_tokens"] = AgentTurn.PromptTokens, ["output_tokens"] = AgentTurn.CompletionTokens, ["total_tokens"] = AgentTurn.PromptTokens + AgentTurn.CompletionTokens },
    };

    private static string ResponsesStream(AgentTurn turn)
    {
        var completed = ResponsesJson(turn);
        var item = ResponsesItem(turn);
        var added = item.DeepClone().AsObject();
        added["status"] = "in_progress";
        var events = new List<JsonObject>
        {
            new() { ["type"] = "response.created", ["response"] = new JsonObject { ["id"] = "resp_agent", ["object"] = "response", ["status"] = "in_progress", ["model"] = "scripted", ["output"] = new JsonArray() } },
            new() { ["type"] = "response.output_item.added", ["output_index"] = 0, ["item"] = added },
        };
        events.Add(turn.Text is not null
            ? new() { ["type"] = "response.output_text.delta", ["item_id"] = "msg_agent_1", ["output_index"] = 0, ["content_index"] = 0, ["delta"] = turn.Text }
            : new() { ["type"] = "response.function_call_arguments.delta", ["item_id"] = "fc_agent_1", ["output_index"] = 0, ["delta"] = turn.Arguments });
        events.Add(new() { ["type"] = "response.output_item.done", ["output_index"] = 0, ["item"] = item });
        events.Add(new() { ["type"] = "response.completed", ["response"] = completed });
        for (var i = 0; i < events.Count; i++)
        {
            events[i]["sequence_number"] = i;
        }

        return Sse("type", [.. events]);
    }

    /// <summary>SSE events, each named after its <paramref name="eventName"/> field when given.</summary>
    private static string Sse(string? eventName, params JsonObject[] events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            if (eventName is not null)
            {
                text.Append("event: ").Append(e[eventName]!.GetValue<string>()).Append('\n');
            }

            text.Append("data: ").Append(e.ToJsonString(JsonOptions)).Append("\n\n");
        }

        return text.ToString();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;
using LlmRelay.Formats.OpenAI.Models;
using LlmRelay.Formats.Responses.Models;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Conversion;

/// <summary>Converts between OpenAI Chat Completions and the OpenAI Responses API (requests, responses).</summary>
internal static class ResponsesChatConverter
{
    public static FormatResult<ChatCompletionRequest> FromResponsesRequest(ResponsesRequest request)
    {
        if (request.PreviousResponseId is not null)
        {
            return new FormatError(FormatErrorKind.Unsupported, "previous_response_id needs the gateway's response store; it cannot be converted to another API family.", "previous_response_id");
        }

        var messages = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(request.Instructions))
        {
            messages.Add(new ChatMessage { Role = "system", Content = new TextOrParts<ChatContentPart>(request.Instructions) });
        }

        if (request.Input?.Text is { } text)
        {
            messages.Add(new ChatMessage { Role = "user", Content = new TextOrParts<ChatContentPart>(text) });
        }

        string? pendingReasoning = null;
        foreach (ResponseItem item in request.Input?.Parts ?? [])
        {
            switch (item.Type)
            {
                case "message" or null:
                    var parts = new List<ChatContentPart>();
                    foreach (ResponseContentPart p in item.Content?.Parts ?? [])
                    {
                        if (p.Type == "input_image")
                        {
                            parts.Add(new ChatContentPart { Type = "image_url", ImageUrl = new ChatImageUrl { Url = p.ImageUrl, Detail = p.Detail } });
                        }
                        else if (p.Text is not null)
                        {
                            parts.Add(new ChatContentPart { Type = "text", Text = p.Text });
                        }
                    }

                    TextOrParts<ChatContentPart> content = item.Content?.Text is { } t
                        ? new TextOrParts<ChatContentPart>(t)
                        : parts.TrueForAll(p => p.Type == "text") ? new TextOrParts<ChatContentPart>(string.Concat(parts.Select(p => p.Text))) : new TextOrParts<ChatContentPart>(parts);
                    messages.Add(new ChatMessage { Role = item.Role ?? "user", Content = content, ReasoningContent = item.Role == "assistant" ? pendingReasoning : null });
                    pendingReasoning = null;
                    break;
                case "function_call":
                    ChatMessage assistant = messages.Count > 0 && messages[^1].Role == "assistant" ? messages[^1] : AddAssistant(messages, ref pendingReasoning);
                    (assistant.ToolCalls ??= []).Add(new ChatToolCall { Id = item.CallId, Type = "function", Function = new ChatFunctionCall { Name = item.Name, Arguments = item.Arguments ?? "{}" } });
                    break;
                case "function_call_output":
                    string output = item.Output is { ValueKind: JsonValueKind.String } s ? s.GetString() ?? string.Empty : ConversionHelpers.ToJsonText(item.Output);
                    messages.Add(new ChatMessage { Role = "tool", ToolCallId = item.CallId, Content = new TextOrParts<ChatContentPart>(output) });
                    break;
                case "reasoning":
                    pendingReasoning = string.Concat((item.Summary ?? []).Select(p => p.Text));
                    break;
                default:
                    return new FormatError(FormatErrorKind.Unsupported, $"Input item type '{item.Type}' cannot be converted to another API family.", "input");
            }
        }

        var chat = new ChatCompletionRequest
        {
            Model = request.Model,
            Messages = messages,
            MaxTokens = request.MaxOutputTokens,
            Temperature = request.Temperature,
            TopP = request.TopP,
            Stream = request.Stream,
            StreamOptions = request.Stream == true ? new ChatStreamOptions { IncludeUsage = true } : null,
            ParallelToolCalls = request.ParallelToolCalls,
            ReasoningEffort = request.Reasoning?.Effort,
            User = request.User,
        };
        List<ChatTool> tools = (request.Tools ?? []).Where(t => t.Type == "function").Select(t => new ChatTool
        {
            Type = "function",
            Function = new ChatFunctionDefinition { Name = t.Name, Description = t.Description, Parameters = t.Parameters, Strict = t.Strict },
        }).ToList();
        chat.Tools = tools.Count > 0 ? tools : null;
        if (request.ToolChoice is { } choice)
        {
            chat.ToolChoice = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("name", out JsonElement n)
                ? ConversionHelpers.Parse("{\"type\":\"function\",\"function\":{\"name\":" + JsonSerializer.Serialize(n.GetString() ?? string.Empty, WireJson.Context.String) + "}}")
                : choice;
        }

        if (request.Text?.Format is { } f)
        {
            chat.ResponseFormat = f.Type switch
            {
                "json_schema" => new ChatResponseFormat { Type = "json_schema", JsonSchema = new ChatJsonSchema { Name = f.Name, Description = f.Description, Schema = f.Schema, Strict = f.Strict } },
                "json_object" => new ChatResponseFormat { Type = "json_object" },
                _ => null,
            };
        }

        return chat;
    }

    public static FormatResult<ResponsesRequest> ToResponsesRequest(ChatCompletionRequest chat)
    {
        var instructions = new StringBuilder();
        var items = new List<ResponseItem>();
        foreach (ChatMessage m in chat.Messages ?? [])
        {
            switch (m.Role)
            {
                case "system" or "developer":
                    if (instructions.Length > 0)
                    {
                        instructions.Append("\n\n");
                    }

                    instructions.Append(ConversionHelpers.TextOf(m.Content));
                    break;
                case "tool" or "function":
                    items.Add(new ResponseItem { Type = "function_call_output", CallId = m.ToolCallId, Output = JsonSerializer.SerializeToElement(ConversionHelpers.TextOf(m.Content) ?? string.Empty, WireJson.Context.String) });
                    break;
                default:
                    bool assistant = m.Role == "assistant";
                    var parts = new List<ResponseContentPart>();
                    if (m.Content?.Text is { } t)
                    {
                        if (t.Length > 0 || !assistant)
                        {
                            parts.Add(new ResponseContentPart { Type = assistant ? "output_text" : "input_text", Text = t });
                        }
                    }
                    else
                    {
                        foreach (ChatContentPart p in m.Content?.Parts ?? [])
                        {
                            if (p.Type == "image_url")
                            {
                                parts.Add(new ResponseContentPart { Type = "input_image", ImageUrl = p.ImageUrl?.Url, Detail = p.ImageUrl?.Detail ?? "auto" });
                            }
                            else if (p.Type == "text")
                            {
                                parts.Add(new ResponseContentPart { Type = assistant ? "output_text" : "input_text", Text = p.Text });
                            }
                            else
                            {
                                return new FormatError(FormatErrorKind.Unsupported, $"Content part type '{p.Type}' cannot be sent to a Responses channel.", "messages.content");
                            }
                        }
                    }

                    if (parts.Count > 0)
                    {
                        items.Add(new ResponseItem { Type = "message", Role = m.Role, Content = new TextOrParts<ResponseContentPart>(parts) });
                    }

                    foreach (ChatToolCall call in m.ToolCalls ?? [])
                    {
                        items.Add(new ResponseItem { Type = "function_call", CallId = call.Id, Name = call.Function?.Name, Arguments = call.Function?.Arguments ?? "{}" });
                    }

                    break;
            }
        }

        var request = new ResponsesRequest
        {
            Model = chat.Model,
            Input = new TextOrParts<ResponseItem>(items),
            Instructions = instructions.Length > 0 ? instructions.ToString() : null,
            MaxOutputTokens = chat.MaxCompletionTokens ?? chat.MaxTokens,
            Temperature = chat.Temperature,
            TopP = chat.TopP,
            Stream = chat.Stream,
            ParallelToolCalls = chat.ParallelToolCalls,
            Reasoning = chat.ReasoningEffort is { } e ? new ResponseReasoning { Effort = e, Summary = "auto" } : null,
            User = chat.User,
            Tools = chat.Tools?.Where(t => t.Function is not null).Select(t => new ResponseTool
            {
                Type = "function",
                Name = t.Function!.Name,
                Description = t.Function.Description,
                Parameters = t.Function.Parameters,
                Strict = t.Function.Strict,
            }).ToList(),
        };
        if (chat.ToolChoice is { } choice)
        {
            request.ToolChoice = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out JsonElement f) && f.TryGetProperty("name", out JsonElement n)
                ? ConversionHelpers.Parse("{\"type\":\"function\",\"name\":" + JsonSerializer.Serialize(n.GetString() ?? string.Empty, WireJson.Context.String) + "}")
                : choice;
        }

        if (chat.ResponseFormat is { Type: "json_schema" or "json_object" } rf)
        {
            request.Text = new ResponseText
            {
                Format = new ResponseTextFormat
                {
                    Type = rf.Type,
                    Name = rf.JsonSchema?.Name,
                    Description = rf.JsonSchema?.Description,
                    Schema = rf.JsonSchema?.Schema,
                    Strict = rf.JsonSchema?.Strict,
                },
            };
        }

        return request;
    }

    public static FormatResult<ResponseObject> ToResponsesResponse(ChatCompletionResponse chat, in TokenUsage u)
    {
        ChatChoice? choice = chat.Choices is { Count: > 0 } c ? c[0] : null;
        var output = new List<ResponseItem>();
        string id = chat.Id ?? "resp";
        if (choice?.Message is { } m)
        {
            if (!string.IsNullOrEmpty(m.ReasoningContent))
            {
                output.Add(new ResponseItem { Id = "rs_" + id + "_" + output.Count, Type = "reasoning", Summary = [new ResponseContentPart { Type = "summary_text", Text = m.ReasoningContent }] });
            }

            string? text = ConversionHelpers.TextOf(m.Content) ?? m.Refusal;
            if (!string.IsNullOrEmpty(text))
            {
                output.Add(new ResponseItem
                {
                    Id = "msg_" + id + "_" + output.Count,
                    Type = "message",
                    Status = "completed",
                    Role = "assistant",
                    Content = new TextOrParts<ResponseContentPart>([new ResponseContentPart { Type = "output_text", Text = text, Annotations = ConversionHelpers.Parse("[]") }]),
                });
            }

            foreach (ChatToolCall call in m.ToolCalls ?? [])
            {
                output.Add(new ResponseItem { Id = "fc_" + id + "_" + output.Count, Type = "function_call", Status = "completed", Arguments = string.IsNullOrEmpty(call.Function?.Arguments) ? "{}" : call.Function.Arguments, CallId = call.Id, Name = call.Function?.Name });
            }
        }

        FinishReason reason = OpenAIFinishReasons.Parse(choice?.FinishReason);
        return new ResponseObject
        {
            Id = id,
            Object = "response",
            CreatedAt = chat.Created,
            Status = reason is FinishReason.Length or FinishReason.ContentFilter ? "incomplete" : "completed",
            IncompleteDetails = reason switch
            {
                FinishReason.Length => new ResponseIncompleteDetails { Reason = "max_output_tokens" },
                FinishReason.ContentFilter => new ResponseIncompleteDetails { Reason = "content_filter" },
                _ => null,
            },
            Model = chat.Model,
            Output = output,
            Usage = new ResponseUsage
            {
                InputTokens = u.InputTokens,
                InputTokensDetails = new ResponseInputTokensDetails { CachedTokens = u.CachedInputTokens },
                OutputTokens = u.OutputTokens,
                OutputTokensDetails = new ResponseOutputTokensDetails { ReasoningTokens = u.ReasoningTokens },
                TotalTokens = u.InputTokens + u.OutputTokens,
            },
        };
    }

    public static FormatResult<ChatCompletionResponse> FromResponsesResponse(ResponseObject response)
    {
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        var calls = new List<ChatToolCall>();
        foreach (ResponseItem item in response.Output ?? [])
        {
            switch (item.Type)
            {
                case "message":
                    foreach (ResponseContentPart p in item.Content?.Parts ?? [])
                    {
                        text.Append(p.Text);
                    }

                    text.Append(item.Content?.Text);
                    break;
                case "reasoning":
                    foreach (ResponseContentPart p in item.Summary ?? [])
                    {
                        reasoning.Append(p.Text);
                    }

                    break;
                case "function_call":
                    calls.Add(new ChatToolCall { Id = item.CallId, Type = "function", Function = new ChatFunctionCall { Name = item.Name, Arguments = item.Arguments } });
                    break;
            }
        }

        FinishReason reason = response.Status == "incomplete"
            ? response.IncompleteDetails?.Reason == "content_filter" ? FinishReason.ContentFilter : FinishReason.Length
            : calls.Count > 0 ? FinishReason.ToolCalls : FinishReason.Stop;
        return new ChatCompletionResponse
        {
            Id = response.Id,
            Object = "chat.completion",
            Created = response.CreatedAt,
            Model = response.Model,
            Choices =
            [
                new ChatChoice
                {
                    Index = 0,
                    Message = new ChatMessage
                    {
                        Role = "assistant",
                        Content = text.Length > 0 || calls.Count == 0 ? new TextOrParts<ChatContentPart>(text.ToString()) : null,
                        ReasoningContent = reasoning.Length > 0 ? reasoning.ToString() : null,
                        ToolCalls = calls.Count > 0 ? calls : null,
                    },
                    FinishReason = OpenAIFinishReasons.ToOpenAI(reason),
                },
            ],
        };
    }

    private static ChatMessage AddAssistant(List<ChatMessage> messages, ref string? reasoning)
    {
        var m = new ChatMessage { Role = "assistant", ReasoningContent = reasoning };
        reasoning = null;
        messages.Add(m);
        return m;
    }
}

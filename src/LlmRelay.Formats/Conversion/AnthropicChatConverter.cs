using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Anthropic;
using LlmRelay.Formats.Anthropic.Models;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;
using LlmRelay.Formats.OpenAI.Models;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Conversion;

/// <summary>Converts between OpenAI Chat Completions and Anthropic Messages (requests, responses).</summary>
public static class AnthropicChatConverter
{
    /// <summary>The max_tokens sent to Anthropic (where it is required) when the caller gave none, as seed-ds2api.md documents (issue #15).</summary>
    internal const int DefaultMaxTokens = 8192;

    /// <summary>How Claude Code's per-request billing line starts when it sends it as the first system block.</summary>
    private const string BillingHeaderPrefix = "x-anthropic-billing-header:";

    internal static FormatResult<MessagesRequest> ToAnthropicRequest(ChatCompletionRequest chat, int defaultMaxTokens = DefaultMaxTokens, ModelCapability? capability = null)
    {
        var system = new List<AnthropicContentBlock>();
        var messages = new List<AnthropicMessage>();
        foreach (ChatMessage m in chat.Messages ?? [])
        {
            switch (m.Role)
            {
                case "system" or "developer":
                    string? s = ConversionHelpers.TextOf(m.Content);
                    if (!string.IsNullOrEmpty(s))
                    {
                        system.Add(new AnthropicContentBlock { Type = "text", Text = s });
                    }

                    break;
                case "user":
                    FormatResult<List<AnthropicContentBlock>> user = UserBlocks(m.Content);
                    if (!user.IsSuccess)
                    {
                        return user.Error;
                    }

                    Append(messages, "user", user.Value);
                    break;
                case "assistant":
                    var blocks = new List<AnthropicContentBlock>();
                    string? text = ConversionHelpers.TextOf(m.Content);
                    if (!string.IsNullOrEmpty(text))
                    {
                        blocks.Add(new AnthropicContentBlock { Type = "text", Text = text });
                    }

                    foreach (ChatToolCall call in m.ToolCalls ?? [])
                    {
                        string name = call.Function?.Name ?? string.Empty;
                        FormatResult<JsonElementBox> args = ConversionHelpers.ParseArguments(call.Function?.Arguments, name);
                        if (!args.IsSuccess)
                        {
                            return args.Error;
                        }

                        blocks.Add(new AnthropicContentBlock { Type = "tool_use", Id = call.Id, Name = name, Input = args.Value.Value });
                    }

                    if (blocks.Count > 0)
                    {
                        Append(messages, "assistant", blocks);
                    }

                    break;
                case "tool" or "function":
                    Append(messages, "user", [new AnthropicContentBlock
                    {
                        Type = "tool_result",
                        ToolUseId = m.ToolCallId,
                        Content = new TextOrParts<AnthropicContentBlock>(ConversionHelpers.TextOf(m.Content) ?? string.Empty),
                    }]);
                    break;
                default:
                    return FormatError.Shape($"Unknown message role '{m.Role}'.");
            }
        }

        AddResponseFormatInstruction(chat.ResponseFormat, system);
        var request = new MessagesRequest
        {
            Model = chat.Model,
            Messages = messages,
            System = system.Count switch
            {
                0 => null,
                1 => new TextOrParts<AnthropicContentBlock>(system[0].Text!),
                _ => new TextOrParts<AnthropicContentBlock>(system),
            },
            MaxTokens = ModelCapabilityRules.AnthropicMaxTokens(chat.MaxCompletionTokens ?? chat.MaxTokens, capability, defaultMaxTokens),
            Temperature = chat.Temperature,
            TopP = chat.TopP,
            TopK = chat.TopK,
            StopSequences = chat.Stop,
            Stream = chat.Stream,
            Tools = chat.Tools?.Where(t => t.Function is not null).Select(t => new AnthropicTool
            {
                Name = t.Function!.Name,
                Description = t.Function.Description,
                InputSchema = t.Function.Parameters ?? ConversionHelpers.Parse("{\"type\":\"object\",\"properties\":{}}"),
            }).ToList(),
        };
        if (chat.Tools is { Count: > 0 } || chat.ToolChoice is not null)
        {
            request.ToolChoice = ToAnthropicToolChoice(chat.ToolChoice, chat.ParallelToolCalls);
            if (request.ToolChoice?.Type == "none" && chat.Tools is not { Count: > 0 })
            {
                request.ToolChoice = null;
            }
        }

        if (ReasoningEffort.ToBudget(chat.ReasoningEffort) is int budget && budget > 0 && ModelCapabilityRules.AnthropicThinkingAllowed(capability, request.ToolChoice))
        {
            ModelCapabilityRules.SetAnthropicThinking(request, budget, capability);
        }

        ModelCapabilityRules.ApplyAnthropicSampling(request, capability);

        if (chat.User is not null)
        {
            request.Metadata = ConversionHelpers.Parse("{\"user_id\":" + JsonSerializer.Serialize(chat.User, WireJson.Context.String) + "}");
        }

        return request;
    }

    /// <summary>
    /// The system blocks as one text, a line between blocks so their boundaries survive. Claude Code's
    /// <c>x-anthropic-billing-header:</c> block is Anthropic's own request metadata, not prompt: it changes on every
    /// request, so passed on as text it would only cost tokens and break the target's prompt cache.
    /// </summary>
    private static string SystemText(List<AnthropicContentBlock> blocks)
    {
        var text = new StringBuilder();
        foreach (AnthropicContentBlock block in blocks)
        {
            if (string.IsNullOrEmpty(block.Text) || block.Text.StartsWith(BillingHeaderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(block.Text);
        }

        return text.ToString();
    }

    internal static FormatResult<ChatCompletionRequest> FromAnthropicRequest(MessagesRequest request)
    {
        var messages = new List<ChatMessage>();
        string? system = request.System?.Text ?? (request.System?.Parts is { } sp ? SystemText(sp) : null);
        if (!string.IsNullOrEmpty(system))
        {
            messages.Add(new ChatMessage { Role = "system", Content = new TextOrParts<ChatContentPart>(system) });
        }

        foreach (AnthropicMessage m in request.Messages ?? [])
        {
            if (m.Content?.Text is { } plain)
            {
                messages.Add(new ChatMessage { Role = m.Role, Content = new TextOrParts<ChatContentPart>(plain) });
                continue;
            }

            List<AnthropicContentBlock> blocks = m.Content?.Parts ?? [];
            if (m.Role == "assistant")
            {
                var text = new StringBuilder();
                var thinking = new StringBuilder();
                var calls = new List<ChatToolCall>();
                foreach (AnthropicContentBlock b in blocks)
                {
                    switch (b.Type)
                    {
                        case "text":
                            text.Append(b.Text);
                            break;
                        case "thinking":
                            thinking.Append(b.Thinking);
                            break;
                        case "tool_use" or "server_tool_use":
                            calls.Add(new ChatToolCall { Id = b.Id, Type = "function", Function = new ChatFunctionCall { Name = b.Name, Arguments = ConversionHelpers.ToJsonText(b.Input) } });
                            break;
                    }
                }

                messages.Add(new ChatMessage
                {
                    Role = "assistant",
                    Content = text.Length > 0 || calls.Count == 0 ? new TextOrParts<ChatContentPart>(text.ToString()) : null,
                    ReasoningContent = thinking.Length > 0 ? thinking.ToString() : null,
                    ToolCalls = calls.Count > 0 ? calls : null,
                });
                continue;
            }

            var parts = new List<ChatContentPart>();
            foreach (AnthropicContentBlock b in blocks)
            {
                switch (b.Type)
                {
                    case "tool_result":
                        string result = b.Content?.Text ?? string.Concat((b.Content?.Parts ?? []).Where(p => p.Type == "text").Select(p => p.Text));
                        messages.Add(new ChatMessage { Role = "tool", ToolCallId = b.ToolUseId, Content = new TextOrParts<ChatContentPart>(b.IsError == true && result.Length == 0 ? "error" : result) });
                        break;
                    case "text":
                        parts.Add(new ChatContentPart { Type = "text", Text = b.Text });
                        break;
                    case "image":
                        string? url = b.Source?.Type == "base64" ? ConversionHelpers.DataUrl(b.Source.MediaType, b.Source.Data) : b.Source?.Url;
                        if (url is not null)
                        {
                            parts.Add(new ChatContentPart { Type = "image_url", ImageUrl = new ChatImageUrl { Url = url } });
                        }

                        break;
                    case "document":
                        if (b.Source?.Type == "text")
                        {
                            parts.Add(new ChatContentPart { Type = "text", Text = b.Source.Data });
                        }
                        else if (b.Source is { } src)
                        {
                            parts.Add(new ChatContentPart { Type = "image_url", ImageUrl = new ChatImageUrl { Url = src.Type == "base64" ? ConversionHelpers.DataUrl(src.MediaType, src.Data) : src.Url } });
                        }

                        break;
                }
            }

            if (parts.Count > 0)
            {
                messages.Add(new ChatMessage
                {
                    Role = m.Role,
                    Content = parts.TrueForAll(p => p.Type == "text") ? new TextOrParts<ChatContentPart>(string.Concat(parts.Select(p => p.Text))) : new TextOrParts<ChatContentPart>(parts),
                });
            }
        }

        var chat = new ChatCompletionRequest
        {
            Model = request.Model,
            Messages = messages,
            MaxTokens = request.MaxTokens,
            Temperature = request.Temperature,
            TopP = request.TopP,
            TopK = request.TopK,
            Stop = request.StopSequences,
            Stream = request.Stream,
            StreamOptions = request.Stream == true ? new ChatStreamOptions { IncludeUsage = true } : null,
            Tools = request.Tools?.Where(t => t.Type is null or "custom").Select(t => new ChatTool
            {
                Type = "function",
                Function = new ChatFunctionDefinition { Name = t.Name, Description = t.Description, Parameters = t.InputSchema },
            }).ToList(),
            ReasoningEffort = request.Thinking?.Type == "enabled" ? ReasoningEffort.FromBudget(request.Thinking.BudgetTokens) : null,
        };
        if (chat.Tools is { Count: 0 })
        {
            chat.Tools = null;
        }

        if (request.ToolChoice is { } choice)
        {
            chat.ToolChoice = choice.Type switch
            {
                "any" => ConversionHelpers.Parse("\"required\""),
                "none" => ConversionHelpers.Parse("\"none\""),
                "tool" => ConversionHelpers.Parse("{\"type\":\"function\",\"function\":{\"name\":" + JsonSerializer.Serialize(choice.Name ?? string.Empty, WireJson.Context.String) + "}}"),
                _ => ConversionHelpers.Parse("\"auto\""),
            };
            if (choice.DisableParallelToolUse == true)
            {
                chat.ParallelToolCalls = false;
            }
        }

        if (request.Metadata is { ValueKind: JsonValueKind.Object } meta && meta.TryGetProperty("user_id", out JsonElement user) && user.ValueKind == JsonValueKind.String)
        {
            chat.User = user.GetString();
        }

        return chat;
    }

    internal static FormatResult<MessagesResponse> ToAnthropicResponse(ChatCompletionResponse chat, in TokenUsage usage)
    {
        ChatChoice? choice = chat.Choices is { Count: > 0 } c ? c[0] : null;
        var content = new List<AnthropicContentBlock>();
        if (choice?.Message is { } m)
        {
            if (!string.IsNullOrEmpty(m.ReasoningContent))
            {
                content.Add(new AnthropicContentBlock { Type = "thinking", Thinking = m.ReasoningContent, Signature = string.Empty });
            }

            string? text = ConversionHelpers.TextOf(m.Content) ?? m.Refusal;
            if (!string.IsNullOrEmpty(text))
            {
                content.Add(new AnthropicContentBlock { Type = "text", Text = text });
            }

            foreach (ChatToolCall call in m.ToolCalls ?? [])
            {
                string name = call.Function?.Name ?? string.Empty;
                FormatResult<JsonElementBox> args = ConversionHelpers.ParseArguments(call.Function?.Arguments, name);
                if (!args.IsSuccess)
                {
                    return args.Error;
                }

                content.Add(new AnthropicContentBlock { Type = "tool_use", Id = call.Id, Name = name, Input = args.Value.Value });
            }
        }

        FinishReason reason = OpenAIFinishReasons.Parse(choice?.FinishReason);
        return new MessagesResponse
        {
            Id = chat.Id,
            Type = "message",
            Role = "assistant",
            Model = chat.Model,
            Content = content,
            StopReason = AnthropicStopReasons.ToAnthropic(reason),
            StopSequence = null,
            Usage = new AnthropicUsage
            {
                InputTokens = Math.Max(0, usage.InputTokens - usage.CachedInputTokens - usage.CacheCreationInputTokens),
                CacheCreationInputTokens = usage.CacheCreationInputTokens,
                CacheReadInputTokens = usage.CachedInputTokens,
                OutputTokens = usage.OutputTokens,
            },
        };
    }

    internal static FormatResult<ChatCompletionResponse> FromAnthropicResponse(MessagesResponse response, long created)
    {
        var text = new StringBuilder();
        var thinking = new StringBuilder();
        var calls = new List<ChatToolCall>();
        foreach (AnthropicContentBlock b in response.Content ?? [])
        {
            switch (b.Type)
            {
                case "text":
                    text.Append(b.Text);
                    break;
                case "thinking":
                    thinking.Append(b.Thinking);
                    break;
                case "tool_use":
                    calls.Add(new ChatToolCall { Id = b.Id, Type = "function", Function = new ChatFunctionCall { Name = b.Name, Arguments = ConversionHelpers.ToJsonText(b.Input) } });
                    break;
            }
        }

        FinishReason reason = AnthropicStopReasons.Parse(response.StopReason);
        return new ChatCompletionResponse
        {
            Id = response.Id,
            Object = "chat.completion",
            Created = created,
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
                        ReasoningContent = thinking.Length > 0 ? thinking.ToString() : null,
                        ToolCalls = calls.Count > 0 ? calls : null,
                    },
                    FinishReason = OpenAIFinishReasons.ToOpenAI(reason),
                },
            ],
        };
    }

    /// <summary>Returns the OpenAI Chat usage object (the pivot's) for a normalised usage.</summary>
    public static ChatUsage ChatUsageOf(in TokenUsage u) => new()
    {
        PromptTokens = u.InputTokens,
        CompletionTokens = u.OutputTokens,
        TotalTokens = u.InputTokens + u.OutputTokens,
        PromptTokensDetails = new ChatPromptTokensDetails { CachedTokens = u.CachedInputTokens },
        CompletionTokensDetails = new ChatCompletionTokensDetails { ReasoningTokens = u.ReasoningTokens },
    };

    private static void AddResponseFormatInstruction(ChatResponseFormat? format, List<AnthropicContentBlock> system)
    {
        if (format?.Type == "json_object")
        {
            system.Add(new AnthropicContentBlock { Type = "text", Text = "Respond only with a valid JSON object." });
        }
        else if (format?.Type == "json_schema" && format.JsonSchema?.Schema is { } schema)
        {
            system.Add(new AnthropicContentBlock
            {
                Type = "text",
                Text = "Respond only with a JSON value that conforms to this JSON Schema: " + ConversionHelpers.ToJsonText(schema),
            });
        }
    }

    private static AnthropicToolChoice? ToAnthropicToolChoice(JsonElement? choice, bool? parallel)
    {
        bool? disable = parallel == false ? true : null;
        if (choice is not { } c || c.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return disable is null ? null : new AnthropicToolChoice { Type = "auto", DisableParallelToolUse = disable };
        }

        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString() switch
            {
                "none" => new AnthropicToolChoice { Type = "none" },
                "required" => new AnthropicToolChoice { Type = "any", DisableParallelToolUse = disable },
                _ => new AnthropicToolChoice { Type = "auto", DisableParallelToolUse = disable },
            };
        }

        if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("function", out JsonElement f) && f.TryGetProperty("name", out JsonElement n))
        {
            return new AnthropicToolChoice { Type = "tool", Name = n.GetString(), DisableParallelToolUse = disable };
        }

        return new AnthropicToolChoice { Type = "auto", DisableParallelToolUse = disable };
    }

    private static FormatResult<List<AnthropicContentBlock>> UserBlocks(TextOrParts<ChatContentPart>? content)
    {
        var blocks = new List<AnthropicContentBlock>();
        if (content?.Text is { } t)
        {
            blocks.Add(new AnthropicContentBlock { Type = "text", Text = t });
            return blocks;
        }

        foreach (ChatContentPart p in content?.Parts ?? [])
        {
            switch (p.Type)
            {
                case "text":
                    blocks.Add(new AnthropicContentBlock { Type = "text", Text = p.Text });
                    break;
                case "image_url":
                    string url = p.ImageUrl?.Url ?? string.Empty;
                    bool isData = ConversionHelpers.TryParseDataUrl(url, out string mediaType, out string data);
                    blocks.Add(new AnthropicContentBlock
                    {
                        Type = isData && mediaType == "application/pdf" ? "document" : "image",
                        Source = isData ? new AnthropicSource { Type = "base64", MediaType = mediaType, Data = data } : new AnthropicSource { Type = "url", Url = url },
                    });
                    break;
                default:
                    return new FormatError(FormatErrorKind.Unsupported, $"Content part type '{p.Type}' cannot be sent to an Anthropic channel.", "messages.content");
            }
        }

        return blocks;
    }

    private static void Append(List<AnthropicMessage> messages, string role, List<AnthropicContentBlock> blocks)
    {
        // Anthropic wants the results of parallel tool calls in one user turn: merge consecutive same-role turns.
        if (messages.Count > 0 && messages[^1].Role == role && messages[^1].Content?.Parts is { } existing)
        {
            if (role == "user" && blocks.Count > 0 && blocks[0].Type == "tool_result")
            {
                existing.AddRange(blocks);
                return;
            }

            if (role == "user" && existing.Count > 0 && existing[^1].Type == "tool_result")
            {
                existing.AddRange(blocks);
                return;
            }
        }

        messages.Add(new AnthropicMessage { Role = role, Content = new TextOrParts<AnthropicContentBlock>(blocks) });
    }
}

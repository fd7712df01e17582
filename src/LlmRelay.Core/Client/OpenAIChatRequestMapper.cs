using System.Text.Json;
using LlmRelay.Formats.Internal;
using Microsoft.Extensions.AI;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

/// <summary>Maps between Microsoft.Extensions.AI chat requests and OpenAI Chat Completions request bodies (the relay's pivot format).</summary>
/// <remarks>Pure and thread-safe. Content the OpenAI format cannot carry (audio, files other than images) is dropped.</remarks>
internal static class OpenAIChatRequestMapper
{
    private static readonly JsonSerializerOptions Json = AIJsonUtilities.DefaultOptions;

    /// <summary>Builds the OpenAI Chat request for <paramref name="messages"/> and <paramref name="options"/>.</summary>
    public static Wire.ChatCompletionRequest ToOpenAIRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream)
    {
        var request = new Wire.ChatCompletionRequest
        {
            Model = model,
            Messages = [],
            Stream = stream ? true : null,
            StreamOptions = stream ? new Wire.ChatStreamOptions { IncludeUsage = true } : null,
        };

        if (options?.Instructions is { Length: > 0 } instructions)
        {
            request.Messages.Add(new Wire.ChatMessage { Role = "system", Content = new TextOrParts<Wire.ChatContentPart>(instructions) });
        }

        foreach (var message in messages)
        {
            AddMessage(request.Messages, message);
        }

        if (options is not null)
        {
            ApplyOptions(request, options);
        }

        return request;
    }

    /// <summary>Reads an OpenAI Chat request into messages and options, for an <see cref="IChatClient"/> that serves a channel.</summary>
    public static (List<ChatMessage> Messages, ChatOptions Options) FromOpenAIRequest(Wire.ChatCompletionRequest request)
    {
        var messages = new List<ChatMessage>(request.Messages?.Count ?? 0);
        foreach (var wire in request.Messages ?? [])
        {
            messages.Add(FromWireMessage(wire));
        }

        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = (float?)request.Temperature,
            TopP = (float?)request.TopP,
            TopK = request.TopK,
            MaxOutputTokens = request.MaxCompletionTokens ?? request.MaxTokens,
            FrequencyPenalty = (float?)request.FrequencyPenalty,
            PresencePenalty = (float?)request.PresencePenalty,
            Seed = request.Seed,
            StopSequences = request.Stop is { Count: > 0 } stop ? [.. stop] : null,
            AllowMultipleToolCalls = request.ParallelToolCalls,
        };

        if (request.Tools is { Count: > 0 } tools)
        {
            options.Tools = [.. tools.Where(static t => t.Function?.Name is { Length: > 0 }).Select(static t => (AITool)new WireFunctionDeclaration(t.Function!))];
        }

        options.ToolMode = request.ToolChoice is { } choice ? ToolModeOf(choice) : null;
        options.ResponseFormat = request.ResponseFormat?.Type switch
        {
            "json_object" => ChatResponseFormat.Json,
            "json_schema" => ChatResponseFormat.ForJsonSchema(request.ResponseFormat.JsonSchema?.Schema ?? default, request.ResponseFormat.JsonSchema?.Name, request.ResponseFormat.JsonSchema?.Description),
            "text" => ChatResponseFormat.Text,
            _ => null,
        };
        return (messages, options);
    }

    private static void AddMessage(List<Wire.ChatMessage> output, ChatMessage message)
    {
        var role = message.Role.Value;
        List<Wire.ChatContentPart>? parts = null;
        List<Wire.ChatToolCall>? calls = null;
        string? reasoning = null;
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    (parts ??= []).Add(new Wire.ChatContentPart { Type = "text", Text = text.Text });
                    break;
                case TextReasoningContent thinking when role == "assistant":
                    reasoning = reasoning is null ? thinking.Text : reasoning + thinking.Text;
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    (parts ??= []).Add(new Wire.ChatContentPart { Type = "image_url", ImageUrl = new Wire.ChatImageUrl { Url = data.Uri } });
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    (parts ??= []).Add(new Wire.ChatContentPart { Type = "image_url", ImageUrl = new Wire.ChatImageUrl { Url = uri.Uri.ToString() } });
                    break;
                case FunctionCallContent call:
                    (calls ??= []).Add(new Wire.ChatToolCall
                    {
                        Id = call.CallId,
                        Type = "function",
                        Function = new Wire.ChatFunctionCall { Name = call.Name, Arguments = SerializeArguments(call.Arguments) },
                    });
                    break;
                case FunctionResultContent result:
                    // Each tool result is its own OpenAI "tool" message, in order.
                    output.Add(new Wire.ChatMessage { Role = "tool", ToolCallId = result.CallId, Content = new TextOrParts<Wire.ChatContentPart>(ResultText(result)) });
                    break;
            }
        }

        if (parts is null && calls is null && reasoning is null)
        {
            return;
        }

        var wire = new Wire.ChatMessage
        {
            Role = role is "system" or "user" or "assistant" or "developer" ? role : "user",
            Name = message.AuthorName,
            ToolCalls = calls,
            ReasoningContent = reasoning,
        };
        if (parts is not null)
        {
            wire.Content = parts.All(static p => p.Type == "text")
                ? new TextOrParts<Wire.ChatContentPart>(string.Concat(parts.Select(static p => p.Text)))
                : new TextOrParts<Wire.ChatContentPart>(parts);
        }
        else if (calls is null)
        {
            wire.Content = new TextOrParts<Wire.ChatContentPart>("");
        }

        output.Add(wire);
    }

    private static void ApplyOptions(Wire.ChatCompletionRequest request, ChatOptions options)
    {
        request.Temperature = options.Temperature;
        request.TopP = options.TopP;
        request.TopK = options.TopK;
        request.MaxTokens = options.MaxOutputTokens;
        request.FrequencyPenalty = options.FrequencyPenalty;
        request.PresencePenalty = options.PresencePenalty;
        request.Seed = options.Seed;
        request.Stop = options.StopSequences is { Count: > 0 } stop ? [.. stop] : null;

        if (options.Tools is { Count: > 0 } tools)
        {
            foreach (var tool in tools)
            {
                if (tool is AIFunctionDeclaration function)
                {
                    (request.Tools ??= []).Add(new Wire.ChatTool
                    {
                        Type = "function",
                        Function = new Wire.ChatFunctionDefinition
                        {
                            Name = function.Name,
                            Description = string.IsNullOrEmpty(function.Description) ? null : function.Description,
                            Parameters = function.JsonSchema,
                        },
                    });
                }
            }

            if (request.Tools is not null)
            {
                request.ParallelToolCalls = options.AllowMultipleToolCalls;
                request.ToolChoice = options.ToolMode switch
                {
                    NoneChatToolMode => JsonString("none"),
                    AutoChatToolMode => JsonString("auto"),
                    RequiredChatToolMode { RequiredFunctionName: { } name } => JsonDocument.Parse($$$"""{"type":"function","function":{"name":{{{JsonSerializer.Serialize(name, Json.GetTypeInfo(typeof(string)))}}}}}""").RootElement.Clone(),
                    RequiredChatToolMode => JsonString("required"),
                    _ => null,
                };
            }
        }

        request.ResponseFormat = options.ResponseFormat switch
        {
            ChatResponseFormatJson { Schema: { } schema } json => new Wire.ChatResponseFormat
            {
                Type = "json_schema",
                JsonSchema = new Wire.ChatJsonSchema { Name = json.SchemaName ?? "response", Description = json.SchemaDescription, Schema = schema },
            },
            ChatResponseFormatJson => new Wire.ChatResponseFormat { Type = "json_object" },
            _ => null,
        };

        if (options.AdditionalProperties is { Count: > 0 } extra)
        {
            foreach (var (name, value) in extra)
            {
                (request.ExtensionData ??= [])[name] = JsonSerializer.SerializeToElement(value, Json.GetTypeInfo(typeof(object)));
            }
        }
    }

    private static ChatMessage FromWireMessage(Wire.ChatMessage wire)
    {
        var role = wire.Role switch
        {
            "system" or "developer" => ChatRole.System,
            "assistant" => ChatRole.Assistant,
            "tool" => ChatRole.Tool,
            _ => ChatRole.User,
        };
        var contents = new List<AIContent>();
        if (role == ChatRole.Tool)
        {
            contents.Add(new FunctionResultContent(wire.ToolCallId ?? "", TextOf(wire.Content)));
            return new ChatMessage(role, contents);
        }

        if (wire.ReasoningContent is { Length: > 0 } reasoning)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        if (wire.Content?.Text is { } text)
        {
            if (text.Length > 0)
            {
                contents.Add(new TextContent(text));
            }
        }
        else if (wire.Content?.Parts is { } parts)
        {
            foreach (var part in parts)
            {
                if (part.Type == "text" && part.Text is not null)
                {
                    contents.Add(new TextContent(part.Text));
                }
                else if (part.Type == "image_url" && part.ImageUrl?.Url is { } url)
                {
                    contents.Add(url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? new DataContent(url) : new UriContent(url, "image/*"));
                }
            }
        }

        foreach (var call in wire.ToolCalls ?? [])
        {
            contents.Add(ParseCall(call.Id ?? "", call.Function?.Name ?? "", call.Function?.Arguments));
        }

        return new ChatMessage(role, contents) { AuthorName = wire.Name };
    }

    /// <summary>Creates a <see cref="FunctionCallContent"/> from an OpenAI tool call whose arguments are a JSON string.</summary>
    public static FunctionCallContent ParseCall(string callId, string name, string? arguments) =>
        FunctionCallContent.CreateFromParsedArguments(
            string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments,
            callId,
            name,
            static json => (IDictionary<string, object?>?)JsonSerializer.Deserialize(json, Json.GetTypeInfo(typeof(IDictionary<string, object?>))));

    /// <summary>Serialises tool-call arguments to the JSON string OpenAI expects.</summary>
    public static string SerializeArguments(IDictionary<string, object?>? arguments) =>
        arguments is null ? "{}" : JsonSerializer.Serialize(arguments, Json.GetTypeInfo(typeof(IDictionary<string, object?>)));

    private static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => result.Exception is { } ex ? $"Error: {ex.Message}" : "",
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? "",
        var other => JsonSerializer.Serialize(other, Json.GetTypeInfo(typeof(object))),
    };

    private static string TextOf(TextOrParts<Wire.ChatContentPart>? content) =>
        content?.Text ?? (content?.Parts is { } parts ? string.Concat(parts.Select(static p => p.Text)) : "");

    private static ChatToolMode? ToolModeOf(JsonElement choice)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "required" => ChatToolMode.RequireAny,
                _ => ChatToolMode.Auto,
            };
        }

        return choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name) && name.GetString() is { } n
            ? ChatToolMode.RequireSpecific(n)
            : null;
    }

    private static JsonElement JsonString(string value) => JsonSerializer.SerializeToElement(value, Json.GetTypeInfo(typeof(string)));
}

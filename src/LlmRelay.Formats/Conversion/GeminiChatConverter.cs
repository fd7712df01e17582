using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Gemini;
using LlmRelay.Formats.Gemini.Models;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;
using LlmRelay.Formats.OpenAI.Models;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Conversion;

/// <summary>Converts between OpenAI Chat Completions and Gemini generateContent (requests, responses).</summary>
internal static class GeminiChatConverter
{
    public static FormatResult<GenerateContentRequest> ToGeminiRequest(ChatCompletionRequest chat)
    {
        var system = new List<GeminiPart>();
        var contents = new List<GeminiContent>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ChatMessage m in chat.Messages ?? [])
        {
            switch (m.Role)
            {
                case "system" or "developer":
                    string? s = ConversionHelpers.TextOf(m.Content);
                    if (!string.IsNullOrEmpty(s))
                    {
                        system.Add(new GeminiPart { Text = s });
                    }

                    break;
                case "user":
                    FormatResult<List<GeminiPart>> parts = UserParts(m.Content);
                    if (!parts.IsSuccess)
                    {
                        return parts.Error;
                    }

                    Append(contents, "user", parts.Value, merge: false);
                    break;
                case "assistant":
                    var model = new List<GeminiPart>();
                    string? text = ConversionHelpers.TextOf(m.Content);
                    if (!string.IsNullOrEmpty(text))
                    {
                        model.Add(new GeminiPart { Text = text });
                    }

                    foreach (ChatToolCall call in m.ToolCalls ?? [])
                    {
                        string name = call.Function?.Name ?? string.Empty;
                        FormatResult<JsonElementBox> args = ConversionHelpers.ParseArguments(call.Function?.Arguments, name);
                        if (!args.IsSuccess)
                        {
                            return args.Error;
                        }

                        if (call.Id is not null)
                        {
                            callNames[call.Id] = name;
                        }

                        model.Add(new GeminiPart
                        {
                            FunctionCall = new GeminiFunctionCall { Name = name, Args = args.Value.Value },
                            // Google's OpenAI-compatible form first, else the id we folded it into (GeminiThoughtSignature).
                            ThoughtSignature = SignatureOf(call.ExtraContent) ?? GeminiThoughtSignature.FromId(call.Id),
                        });
                    }

                    if (model.Count > 0)
                    {
                        Append(contents, "model", model, merge: false);
                    }

                    break;
                case "tool" or "function":
                    string toolName = m.ToolCallId is not null && callNames.TryGetValue(m.ToolCallId, out string? n) ? n : m.Name ?? m.ToolCallId ?? "tool";
                    GeminiPart response = new()
                    {
                        FunctionResponse = new GeminiFunctionResponse { Name = toolName, Response = ConversionHelpers.ParseOrWrap(ConversionHelpers.TextOf(m.Content), "result") },
                    };
                    Append(contents, "user", [response], merge: true);
                    break;
                default:
                    return FormatError.Shape($"Unknown message role '{m.Role}'.");
            }
        }

        var config = new GeminiGenerationConfig
        {
            MaxOutputTokens = chat.MaxCompletionTokens ?? chat.MaxTokens,
            Temperature = chat.Temperature,
            TopP = chat.TopP,
            TopK = chat.TopK,
            StopSequences = chat.Stop,
            CandidateCount = chat.N,
            Seed = chat.Seed,
            PresencePenalty = chat.PresencePenalty,
            FrequencyPenalty = chat.FrequencyPenalty,
        };
        if (chat.ResponseFormat?.Type == "json_object")
        {
            config.ResponseMimeType = "application/json";
        }
        else if (chat.ResponseFormat?.Type == "json_schema")
        {
            config.ResponseMimeType = "application/json";
            if (chat.ResponseFormat.JsonSchema?.Schema is { } schema)
            {
                config.ResponseSchema = GeminiSchema.ToGemini(schema);
            }
        }

        if (ReasoningEffort.ToBudget(chat.ReasoningEffort) is int budget)
        {
            config.ThinkingConfig = new GeminiThinkingConfig { ThinkingBudget = budget, IncludeThoughts = budget > 0 ? true : null };
        }

        var request = new GenerateContentRequest
        {
            Contents = contents,
            SystemInstruction = system.Count > 0 ? new GeminiContent { Parts = system, Role = "user" } : null,
            GenerationConfig = IsEmpty(config) ? null : config,
        };
        if (chat.Tools is { Count: > 0 } tools)
        {
            request.Tools =
            [
                new GeminiTool
                {
                    FunctionDeclarations = tools.Where(t => t.Function is not null).Select(t => new GeminiFunctionDeclaration
                    {
                        Name = t.Function!.Name,
                        Description = t.Function.Description,
                        Parameters = t.Function.Parameters is { } p && HasProperties(p) ? GeminiSchema.ToGemini(p) : null,
                    }).ToList(),
                },
            ];
        }

        if (chat.ToolChoice is { } choice && choice.ValueKind != JsonValueKind.Null)
        {
            request.ToolConfig = new GeminiToolConfig { FunctionCallingConfig = ToCallingConfig(choice) };
        }

        return request;
    }

    public static FormatResult<ChatCompletionRequest> FromGeminiRequest(GenerateContentRequest request, string? model)
    {
        var messages = new List<ChatMessage>();
        string? system = request.SystemInstruction?.Parts is { } sp ? string.Concat(sp.Select(p => p.Text)) : null;
        if (!string.IsNullOrEmpty(system))
        {
            messages.Add(new ChatMessage { Role = "system", Content = new TextOrParts<ChatContentPart>(system) });
        }

        var pending = new Dictionary<string, Queue<string>>(StringComparer.Ordinal);
        int callCounter = 0;
        foreach (GeminiContent c in request.Contents ?? [])
        {
            List<GeminiPart> parts = c.Parts ?? [];
            if (c.Role == "model")
            {
                var text = new StringBuilder();
                var thought = new StringBuilder();
                var calls = new List<ChatToolCall>();
                foreach (GeminiPart p in parts)
                {
                    if (p.FunctionCall is { } fc)
                    {
                        string id = fc.Id ?? "call_" + (callCounter++).ToString(CultureInfo.InvariantCulture);
                        string name = fc.Name ?? string.Empty;
                        if (!pending.TryGetValue(name, out Queue<string>? q))
                        {
                            pending[name] = q = new Queue<string>();
                        }

                        q.Enqueue(id);
                        // The caller's thoughtSignature stays behind: this history goes to a non-Gemini upstream (Gemini
                        // callers reach Gemini channels by pass-through), where it would mean nothing (issue #16).
                        calls.Add(new ChatToolCall
                        {
                            Id = id,
                            Type = "function",
                            Function = new ChatFunctionCall { Name = name, Arguments = ConversionHelpers.ToJsonText(fc.Args) },
                        });
                    }
                    else if (p.Thought == true)
                    {
                        thought.Append(p.Text);
                    }
                    else if (p.Text is not null)
                    {
                        text.Append(p.Text);
                    }
                }

                messages.Add(new ChatMessage
                {
                    Role = "assistant",
                    Content = text.Length > 0 || calls.Count == 0 ? new TextOrParts<ChatContentPart>(text.ToString()) : null,
                    ReasoningContent = thought.Length > 0 ? thought.ToString() : null,
                    ToolCalls = calls.Count > 0 ? calls : null,
                });
                continue;
            }

            var userParts = new List<ChatContentPart>();
            foreach (GeminiPart p in parts)
            {
                if (p.FunctionResponse is { } fr)
                {
                    string name = fr.Name ?? string.Empty;
                    string id = fr.Id ?? (pending.TryGetValue(name, out Queue<string>? q) && q.Count > 0 ? q.Dequeue() : "call_" + name);
                    messages.Add(new ChatMessage { Role = "tool", ToolCallId = id, Content = new TextOrParts<ChatContentPart>(ResponseText(fr.Response)) });
                }
                else if (p.InlineData is { } blob)
                {
                    userParts.Add(new ChatContentPart { Type = "image_url", ImageUrl = new ChatImageUrl { Url = ConversionHelpers.DataUrl(blob.MimeType, blob.Data) } });
                }
                else if (p.FileData is { } file)
                {
                    userParts.Add(new ChatContentPart { Type = "image_url", ImageUrl = new ChatImageUrl { Url = file.FileUri } });
                }
                else if (p.Text is not null && p.Thought != true)
                {
                    userParts.Add(new ChatContentPart { Type = "text", Text = p.Text });
                }
            }

            if (userParts.Count > 0)
            {
                messages.Add(new ChatMessage
                {
                    Role = "user",
                    Content = userParts.TrueForAll(p => p.Type == "text") ? new TextOrParts<ChatContentPart>(string.Concat(userParts.Select(p => p.Text))) : new TextOrParts<ChatContentPart>(userParts),
                });
            }
        }

        GeminiGenerationConfig? g = request.GenerationConfig;
        var chat = new ChatCompletionRequest
        {
            Model = model,
            Messages = messages,
            MaxTokens = g?.MaxOutputTokens,
            Temperature = g?.Temperature,
            TopP = g?.TopP,
            TopK = g?.TopK,
            N = g?.CandidateCount,
            Seed = g?.Seed,
            PresencePenalty = g?.PresencePenalty,
            FrequencyPenalty = g?.FrequencyPenalty,
            Stop = g?.StopSequences is { Count: > 0 } stops ? stops : null,
            ReasoningEffort = g?.ThinkingConfig is { } tc ? tc.ThinkingLevel?.ToLowerInvariant() ?? ReasoningEffort.FromBudget(tc.ThinkingBudget) : null,
        };
        if (g?.ResponseMimeType == "application/json")
        {
            JsonElement? schema = g.ResponseJsonSchema ?? (g.ResponseSchema is { } rs ? GeminiSchema.ToJsonSchema(rs) : null);
            chat.ResponseFormat = schema is null
                ? new ChatResponseFormat { Type = "json_object" }
                : new ChatResponseFormat { Type = "json_schema", JsonSchema = new ChatJsonSchema { Name = "response", Schema = schema } };
        }

        List<ChatTool> tools = [];
        foreach (GeminiTool t in request.Tools ?? [])
        {
            foreach (GeminiFunctionDeclaration d in t.FunctionDeclarations ?? [])
            {
                JsonElement? parameters = d.ParametersJsonSchema ?? (d.Parameters is { } p ? GeminiSchema.ToJsonSchema(p) : null);
                tools.Add(new ChatTool { Type = "function", Function = new ChatFunctionDefinition { Name = d.Name, Description = d.Description, Parameters = parameters ?? ConversionHelpers.Parse("{\"type\":\"object\",\"properties\":{}}") } });
            }
        }

        chat.Tools = tools.Count > 0 ? tools : null;
        if (request.ToolConfig?.FunctionCallingConfig is { } fcc)
        {
            chat.ToolChoice = fcc.Mode?.ToUpperInvariant() switch
            {
                "NONE" => ConversionHelpers.Parse("\"none\""),
                "ANY" when fcc.AllowedFunctionNames is [var only] => ConversionHelpers.Parse("{\"type\":\"function\",\"function\":{\"name\":" + JsonSerializer.Serialize(only, WireJson.Context.String) + "}}"),
                "ANY" => ConversionHelpers.Parse("\"required\""),
                _ => ConversionHelpers.Parse("\"auto\""),
            };
        }

        return chat;
    }

    public static FormatResult<GenerateContentResponse> ToGeminiResponse(ChatCompletionResponse chat, in TokenUsage u)
    {
        ChatChoice? choice = chat.Choices is { Count: > 0 } c ? c[0] : null;
        var parts = new List<GeminiPart>();
        if (choice?.Message is { } m)
        {
            if (!string.IsNullOrEmpty(m.ReasoningContent))
            {
                parts.Add(new GeminiPart { Text = m.ReasoningContent, Thought = true });
            }

            string? text = ConversionHelpers.TextOf(m.Content) ?? m.Refusal;
            if (!string.IsNullOrEmpty(text))
            {
                parts.Add(new GeminiPart { Text = text });
            }

            foreach (ChatToolCall call in m.ToolCalls ?? [])
            {
                string name = call.Function?.Name ?? string.Empty;
                FormatResult<JsonElementBox> args = ConversionHelpers.ParseArguments(call.Function?.Arguments, name);
                if (!args.IsSuccess)
                {
                    return args.Error;
                }

                parts.Add(new GeminiPart { FunctionCall = new GeminiFunctionCall { Name = name, Args = args.Value.Value }, ThoughtSignature = SignatureOf(call.ExtraContent) });
            }
        }

        return new GenerateContentResponse
        {
            Candidates =
            [
                new GeminiCandidate
                {
                    Content = new GeminiContent { Parts = parts, Role = "model" },
                    FinishReason = GeminiFinishReasons.ToGemini(OpenAIFinishReasons.Parse(choice?.FinishReason)),
                    Index = 0,
                },
            ],
            UsageMetadata = new GeminiUsageMetadata
            {
                PromptTokenCount = u.InputTokens,
                CandidatesTokenCount = u.OutputTokens - u.ReasoningTokens,
                TotalTokenCount = u.InputTokens + u.OutputTokens,
                CachedContentTokenCount = u.CachedInputTokens > 0 ? u.CachedInputTokens : null,
                ThoughtsTokenCount = u.ReasoningTokens > 0 ? u.ReasoningTokens : null,
            },
            ModelVersion = chat.Model,
            ResponseId = chat.Id,
        };
    }

    public static FormatResult<ChatCompletionResponse> FromGeminiResponse(GenerateContentResponse response, long created)
    {
        GeminiCandidate? cand = response.Candidates is { Count: > 0 } c ? c[0] : null;
        var text = new StringBuilder();
        var thought = new StringBuilder();
        var calls = new List<ChatToolCall>();
        foreach (GeminiPart p in cand?.Content?.Parts ?? [])
        {
            if (p.FunctionCall is { } fc)
            {
                string id = fc.Id ?? "call_" + (response.ResponseId is null ? string.Empty : response.ResponseId + "_") + calls.Count.ToString(CultureInfo.InvariantCulture);
                calls.Add(new ChatToolCall
                {
                    // Folded into the id as well, the one field every caller family echoes back (GeminiThoughtSignature).
                    Id = GeminiThoughtSignature.Fold(id, p.ThoughtSignature),
                    Type = "function",
                    Function = new ChatFunctionCall { Name = fc.Name, Arguments = ConversionHelpers.ToJsonText(fc.Args) },
                    ExtraContent = p.ThoughtSignature is { } sig ? ConversionHelpers.Parse("{\"google\":{\"thought_signature\":" + JsonSerializer.Serialize(sig, WireJson.Context.String) + "}}") : null,
                });
            }
            else if (p.Thought == true)
            {
                thought.Append(p.Text);
            }
            else
            {
                text.Append(p.Text);
            }
        }

        FinishReason reason = response.PromptFeedback is { ValueKind: JsonValueKind.Object } pf && pf.TryGetProperty("blockReason", out _)
            ? FinishReason.ContentFilter
            : GeminiFinishReasons.Parse(cand?.FinishReason);
        if (reason == FinishReason.Stop && calls.Count > 0)
        {
            reason = FinishReason.ToolCalls;
        }

        return new ChatCompletionResponse
        {
            Id = response.ResponseId,
            Object = "chat.completion",
            Created = created,
            Model = response.ModelVersion,
            Choices =
            [
                new ChatChoice
                {
                    Index = 0,
                    Message = new ChatMessage
                    {
                        Role = "assistant",
                        Content = text.Length > 0 || calls.Count == 0 ? new TextOrParts<ChatContentPart>(text.ToString()) : null,
                        ReasoningContent = thought.Length > 0 ? thought.ToString() : null,
                        ToolCalls = calls.Count > 0 ? calls : null,
                    },
                    FinishReason = OpenAIFinishReasons.ToOpenAI(reason),
                },
            ],
        };
    }

    /// <summary>Removes Gemini thought signatures (Google's <c>extra_content</c> and those folded into call ids) from a request bound for a non-Gemini upstream.</summary>
    /// <remarks>A call and its result lose the same suffix, so they still pair; the upstream sees the plain call ids (issue #16).</remarks>
    public static void StripSignatures(ChatCompletionRequest chat)
    {
        foreach (ChatMessage m in chat.Messages ?? [])
        {
            m.ToolCallId = GeminiThoughtSignature.Strip(m.ToolCallId);
            foreach (ChatToolCall call in m.ToolCalls ?? [])
            {
                call.Id = GeminiThoughtSignature.Strip(call.Id);
                if (SignatureOf(call.ExtraContent) is not null)
                {
                    call.ExtraContent = null;
                }
            }
        }
    }

    /// <summary>Unwraps <c>{"result":"text"}</c> (what <see cref="ToGeminiRequest"/> writes for plain-text tool output).</summary>
    private static string ResponseText(JsonElement? response)
    {
        if (response is { ValueKind: JsonValueKind.Object } r)
        {
            using JsonElement.ObjectEnumerator e = r.EnumerateObject();
            if (e.MoveNext() && e.Current.Name is "result" or "output" && e.Current.Value.ValueKind == JsonValueKind.String && !e.MoveNext())
            {
                return r.EnumerateObject().First().Value.GetString() ?? string.Empty;
            }
        }

        return ConversionHelpers.ToJsonText(response);
    }

    private static bool HasProperties(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && (!schema.TryGetProperty("properties", out JsonElement p) || p.ValueKind != JsonValueKind.Object || p.EnumerateObject().Any());

    private static bool IsEmpty(GeminiGenerationConfig c) =>
        c.MaxOutputTokens is null && c.Temperature is null && c.TopP is null && c.TopK is null && c.StopSequences is null && c.CandidateCount is null
        && c.Seed is null && c.PresencePenalty is null && c.FrequencyPenalty is null && c.ResponseMimeType is null && c.ThinkingConfig is null;

    private static string? SignatureOf(JsonElement? extra) =>
        extra is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("google", out JsonElement g) && g.ValueKind == JsonValueKind.Object
        && g.TryGetProperty("thought_signature", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;

    private static GeminiFunctionCallingConfig ToCallingConfig(JsonElement choice)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            return new GeminiFunctionCallingConfig { Mode = choice.GetString() switch { "none" => "NONE", "required" => "ANY", _ => "AUTO" } };
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out JsonElement f) && f.TryGetProperty("name", out JsonElement n) && n.GetString() is { } name)
        {
            return new GeminiFunctionCallingConfig { Mode = "ANY", AllowedFunctionNames = [name] };
        }

        return new GeminiFunctionCallingConfig { Mode = "AUTO" };
    }

    private static FormatResult<List<GeminiPart>> UserParts(TextOrParts<ChatContentPart>? content)
    {
        var parts = new List<GeminiPart>();
        if (content?.Text is { } t)
        {
            parts.Add(new GeminiPart { Text = t });
            return parts;
        }

        foreach (ChatContentPart p in content?.Parts ?? [])
        {
            switch (p.Type)
            {
                case "text":
                    parts.Add(new GeminiPart { Text = p.Text });
                    break;
                case "image_url":
                    string url = p.ImageUrl?.Url ?? string.Empty;
                    parts.Add(ConversionHelpers.TryParseDataUrl(url, out string mediaType, out string data)
                        ? new GeminiPart { InlineData = new GeminiBlob { MimeType = mediaType, Data = data } }
                        : new GeminiPart { FileData = new GeminiFileData { MimeType = ConversionHelpers.GuessMediaType(url), FileUri = url } });
                    break;
                default:
                    return new FormatError(FormatErrorKind.Unsupported, $"Content part type '{p.Type}' cannot be sent to a Gemini channel.", "messages.content");
            }
        }

        return parts;
    }

    private static void Append(List<GeminiContent> contents, string role, List<GeminiPart> parts, bool merge)
    {
        // Parallel function responses must travel in one user turn.
        if (merge && contents.Count > 0 && contents[^1].Role == role && contents[^1].Parts is { } existing && existing.TrueForAll(p => p.FunctionResponse is not null))
        {
            existing.AddRange(parts);
            return;
        }

        contents.Add(new GeminiContent { Parts = parts, Role = role });
    }
}

using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Formats.ToolCalls;

/// <summary>Tool calling for upstreams without native tools: the prompt that declares them, and parsing the answer.</summary>
internal static class TextToolCalls
{
    /// <summary>Builds the system-prompt section describing the declared tools and how to call them.</summary>
    public static string BuildPrompt(IReadOnlyList<ChatTool> tools, JsonElement? toolChoice)
    {
        var sb = new StringBuilder();
        sb.Append("You can call these tools. Each is described by its name, purpose and JSON Schema parameters:\n");
        foreach (ChatTool t in tools)
        {
            if (t.Function is not { } f)
            {
                continue;
            }

            sb.Append("- ").Append(f.Name);
            if (!string.IsNullOrWhiteSpace(f.Description))
            {
                sb.Append(": ").Append(f.Description);
            }

            sb.Append("\n  parameters: ").Append(f.Parameters is { } p ? JsonSerializer.Serialize(p, WireJson.Context.JsonElement) : "{}").Append('\n');
        }

        sb.Append("To call tools, reply with exactly one JSON object and nothing inside code fences:\n")
          .Append("{\"tool_calls\":[{\"name\":\"<tool name>\",\"arguments\":{<arguments>}}]}\n")
          .Append("Several calls may be listed in the array. Use only the tool names above.");
        switch (ToolChoiceMode(toolChoice, out string? forced))
        {
            case "required":
                sb.Append(" You must call at least one tool.");
                break;
            case "none":
                sb.Append(" Do not call any tool now.");
                break;
            case "function":
                sb.Append(" You must call the tool ").Append(forced).Append('.');
                break;
        }

        return sb.ToString();
    }

    /// <summary>Scans a complete answer (non-streaming).</summary>
    public static ToolCallExtraction Parse(string text, IEnumerable<string> declaredTools, string idPrefix = "call_")
    {
        var extractor = new StreamingToolCallExtractor(declaredTools, idPrefix);
        var events = new List<ToolTextEvent>();
        extractor.Feed(text, events);
        extractor.Complete(events);
        var content = new StringBuilder();
        var calls = new List<(string Id, string Name, StringBuilder Args)>();
        foreach (ToolTextEvent e in events)
        {
            switch (e.Kind)
            {
                case ToolTextEventKind.Text:
                    content.Append(e.Text);
                    break;
                case ToolTextEventKind.ToolCallStart:
                    calls.Add((e.Id!, e.Name!, new StringBuilder()));
                    break;
                default:
                    calls[e.Index].Args.Append(e.Text);
                    break;
            }
        }

        string trimmed = content.ToString().Trim();
        return new ToolCallExtraction(
            calls.Count > 0 && trimmed.Length == 0 ? null : calls.Count > 0 ? trimmed : content.ToString(),
            calls.Select(c => new ExtractedToolCall(c.Id, c.Name, c.Args.Length == 0 ? "{}" : c.Args.ToString())).ToList(),
            extractor.RejectedNames.ToList());
    }

    /// <summary>Checks <c>tool_choice</c> against what the model produced.</summary>
    /// <returns>A <see cref="FormatErrorKind.ToolChoiceViolation"/> error (HTTP 422 <c>tool_choice_violation</c> non-streaming,
    /// a failed event when streaming), or <see langword="null"/>.</returns>
    public static FormatError? CheckToolChoice(JsonElement? toolChoice, IReadOnlyList<string> calledNames)
    {
        switch (ToolChoiceMode(toolChoice, out string? forced))
        {
            case "required" when calledNames.Count == 0:
                return new FormatError(FormatErrorKind.ToolChoiceViolation, "tool_choice is \"required\" but the model did not call a declared tool.", "tool_choice_violation");
            case "function" when !calledNames.Contains(forced!):
                return new FormatError(FormatErrorKind.ToolChoiceViolation, $"tool_choice requires a call to '{forced}' but the model did not make one.", "tool_choice_violation");
            default:
                return null;
        }
    }

    /// <summary>Reads an OpenAI-shaped <c>tool_choice</c>: <c>auto</c>, <c>none</c>, <c>required</c>, or <c>function</c> with the forced tool's name.</summary>
    internal static string ToolChoiceMode(JsonElement? toolChoice, out string? forced)
    {
        forced = null;
        if (toolChoice is not { } c)
        {
            return "auto";
        }

        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString() ?? "auto";
        }

        if (c.ValueKind == JsonValueKind.Object)
        {
            if (c.TryGetProperty("function", out JsonElement f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out JsonElement n))
            {
                forced = n.GetString();
            }
            else if (c.TryGetProperty("name", out JsonElement n2))
            {
                forced = n2.GetString();
            }

            return forced is null ? "auto" : "function";
        }

        return "auto";
    }
}

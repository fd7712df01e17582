using LlmRelay.Formats.Conversion;

namespace LlmRelay.Pricing;

/// <summary>The built-in capability table: what current models of each provider accept, from the providers' model pages (late 2025).</summary>
/// <remarks>
/// Keys match like the price table's (exact, then the longest prefix at a word boundary, then after the last <c>/</c>), so
/// dated snapshots resolve to their family. Claude Sonnet 4 and Opus 4 are listed by their API ids (<c>-20250514</c>,
/// <c>-0</c>) rather than as <c>claude-sonnet-4</c> / <c>claude-opus-4</c>, which as prefixes would also catch later minor
/// versions (<c>claude-opus-4-7</c>) with the wrong limits; a model the table does not know is converted unchecked.
/// Operators correct or extend it through <see cref="ModelCapabilityOptions"/>.
/// </remarks>
internal static class DefaultModelCapabilities
{
    public static Dictionary<string, ModelCapability> Create()
    {
        var t = new Dictionary<string, ModelCapability>(StringComparer.OrdinalIgnoreCase);

        // OpenAI. Reasoning models (o-series, gpt-5) take reasoning_effort and max_completion_tokens, and only the default
        // temperature / top_p; o1-mini and o1-preview reason but take no effort.
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 16384 }, "gpt-4o", "gpt-4o-mini", "chatgpt-4o-latest", "gpt-4.5-preview", "gpt-5-chat-latest");
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 32768 }, "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano");
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 4096 }, "gpt-4-turbo", "gpt-3.5-turbo");
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 8192 }, "gpt-4");
        Add(t, new() { Reasoning = ReasoningControl.Effort, MaxOutputTokens = 100000, SamplingWithReasoning = false }, "o1", "o1-pro", "o3", "o3-mini", "o3-pro", "o4-mini");
        Add(t, new() { Reasoning = ReasoningControl.Fixed, MaxOutputTokens = 32768, SamplingWithReasoning = false }, "o1-preview");
        Add(t, new() { Reasoning = ReasoningControl.Fixed, MaxOutputTokens = 65536, SamplingWithReasoning = false }, "o1-mini");
        Add(t, new() { Reasoning = ReasoningControl.Effort, MaxOutputTokens = 128000, SamplingWithReasoning = false }, "gpt-5", "gpt-5-mini", "gpt-5-nano");

        // Anthropic. Extended thinking takes no temperature or top_k and top_p only from 0.95; Claude 4.1 and later take
        // temperature or top_p, not both. Without max_tokens from the caller, 32000 (what Claude Code asks these models for).
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 4096, DefaultOutputTokens = 4096 }, "claude-3-haiku", "claude-3-opus");
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 8192, DefaultOutputTokens = 8192 },
            "claude-3-5-sonnet", "claude-3.5-sonnet", "claude-3-5-haiku", "claude-3.5-haiku");
        Add(t, new() { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 64000, DefaultOutputTokens = 32000, SamplingWithReasoning = false },
            "claude-3-7-sonnet", "claude-3.7-sonnet", "claude-sonnet-4-20250514", "claude-sonnet-4-0", "claude-4-sonnet");
        Add(t, new() { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 32000, DefaultOutputTokens = 32000, SamplingWithReasoning = false },
            "claude-opus-4-20250514", "claude-opus-4-0", "claude-4-opus");
        Add(t, new() { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 32000, DefaultOutputTokens = 32000, SamplingWithReasoning = false, TemperatureOrTopP = true },
            "claude-opus-4-1", "claude-opus-4.1");
        Add(t, new() { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 64000, DefaultOutputTokens = 32000, SamplingWithReasoning = false, TemperatureOrTopP = true },
            "claude-sonnet-4-5", "claude-sonnet-4.5", "claude-haiku-4-5", "claude-haiku-4.5", "claude-opus-4-5", "claude-opus-4.5", "claude-sonnet-4-6", "claude-sonnet-4.6");
        Add(t, new() { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 128000, DefaultOutputTokens = 32000, SamplingWithReasoning = false, TemperatureOrTopP = true },
            "claude-opus-4-6", "claude-opus-4.6");

        // Gemini. 2.5 takes a thinking budget, 3 a thinking level; 2.0 and 1.5 do not think.
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 8192 }, "gemini-2.0-flash", "gemini-2.0-flash-lite", "gemini-1.5-pro", "gemini-1.5-flash");
        Add(t, new() { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 65536 }, "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite");
        Add(t, new() { Reasoning = ReasoningControl.Level, MaxOutputTokens = 65536 }, "gemini-3");

        // DeepSeek (V3.2): the reasoner always thinks and ignores sampling parameters; the chat model does not think.
        Add(t, new() { Reasoning = ReasoningControl.None, MaxOutputTokens = 8192 }, "deepseek-chat");
        Add(t, new() { Reasoning = ReasoningControl.Fixed, MaxOutputTokens = 65536 }, "deepseek-reasoner");

        return t;
    }

    private static void Add(Dictionary<string, ModelCapability> table, ModelCapability capability, params string[] names)
    {
        foreach (var name in names)
        {
            table.Add(name, capability);
        }
    }
}

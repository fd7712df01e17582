using LlmRelay.Formats.Anthropic.Models;
using LlmRelay.Formats.Gemini.Models;
using LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Formats.Conversion;

/// <summary>Fits a converted request to what the target model accepts (its <see cref="ModelCapability"/>), so providers do not refuse it (issue #16).</summary>
/// <remarks>
/// <code>
/// pivot (OpenAI Chat)  reasoning_effort dropped for models that take none; max tokens lowered to the model's limit
///   ├─ OpenAI        reasoning models: max_tokens -> max_completion_tokens, no temperature / top_p
///   ├─ Anthropic     max_tokens = caller's, else the model's default; thinking only where it may go (and fits);
///   │                with thinking: no temperature, no top_k, top_p only from 0.95; temperature or top_p, not both
///   └─ Gemini        thinking levels (Gemini 3) instead of budgets
/// </code>
/// A <see langword="null"/> capability (a model the table does not know) changes nothing.
/// </remarks>
internal static class ModelCapabilityRules
{
    /// <summary>Anthropic's smallest thinking budget.</summary>
    private const int MinThinkingBudget = 1024;

    /// <summary>Anthropic's lowest top-p with extended thinking.</summary>
    private const double MinTopPWithThinking = 0.95;

    /// <summary>Applies the rules every target shares to the pivot request.</summary>
    public static void ApplyToPivot(ChatCompletionRequest chat, ModelCapability? capability)
    {
        if (capability is null)
        {
            return;
        }

        if (capability.Reasoning is ReasoningControl.None or ReasoningControl.Fixed)
        {
            chat.ReasoningEffort = null;
        }

        if (capability.MaxOutputTokens is int max)
        {
            chat.MaxTokens = chat.MaxTokens > max ? max : chat.MaxTokens;
            chat.MaxCompletionTokens = chat.MaxCompletionTokens > max ? max : chat.MaxCompletionTokens;
        }
    }

    /// <summary>Fits an OpenAI Chat (or Responses) body: reasoning models take <c>max_completion_tokens</c> and no sampling parameters.</summary>
    /// <param name="chat">The pivot request, already through <see cref="ApplyToPivot"/>.</param>
    /// <param name="capability">The target model's capability.</param>
    /// <param name="chatCompletions">Whether the body is sent as Chat Completions (where <c>max_tokens</c> is refused by reasoning models).</param>
    public static void ApplyToOpenAI(ChatCompletionRequest chat, ModelCapability? capability, bool chatCompletions)
    {
        if (capability is null)
        {
            return;
        }

        // Effort and Fixed models reason on every call; the others only when asked.
        var reasons = capability.Reasoning is ReasoningControl.Effort or ReasoningControl.Fixed || (chat.ReasoningEffort is { } effort && effort != "none");
        if (reasons && capability.SamplingWithReasoning == false)
        {
            chat.Temperature = null;
            chat.TopP = null;
        }

        if (capability.TemperatureOrTopP == true && chat.Temperature is not null)
        {
            chat.TopP = null;
        }

        if (chatCompletions && capability.Reasoning == ReasoningControl.Effort && chat.MaxTokens is int maxTokens)
        {
            chat.MaxCompletionTokens ??= maxTokens;
            chat.MaxTokens = null;
        }
    }

    /// <summary>Returns the <c>max_tokens</c> of an Anthropic body: the caller's, else the model's default, else <paramref name="fallback"/>; never above the model's limit.</summary>
    public static int AnthropicMaxTokens(int? requested, ModelCapability? capability, int fallback)
    {
        var value = requested ?? capability?.DefaultOutputTokens ?? fallback;
        return capability?.MaxOutputTokens is int max && value > max ? max : value;
    }

    /// <summary>Returns whether an Anthropic request may carry extended thinking: the model takes it and no tool use is forced (Anthropic refuses both together).</summary>
    public static bool AnthropicThinkingAllowed(ModelCapability? capability, AnthropicToolChoice? toolChoice) =>
        capability?.Reasoning is not (ReasoningControl.None or ReasoningControl.Fixed) && toolChoice?.Type is not ("any" or "tool");

    /// <summary>Sets extended thinking with <paramref name="budget"/> on an Anthropic request, keeping <c>max_tokens</c> above it and within the model's limit.</summary>
    /// <remarks>When the limit leaves no room for Anthropic's smallest budget (1024) and an answer, the request goes without thinking.</remarks>
    public static void SetAnthropicThinking(MessagesRequest request, int budget, ModelCapability? capability)
    {
        budget = Math.Max(budget, MinThinkingBudget);
        var maxTokens = request.MaxTokens ?? 0;
        if (maxTokens <= budget)
        {
            // The caller's limit was for the answer: thinking comes on top of it.
            maxTokens = budget + maxTokens;
        }

        if (capability?.MaxOutputTokens is int max && maxTokens > max)
        {
            maxTokens = max;
            if (maxTokens <= budget)
            {
                budget = maxTokens / 2; // half to think, half to answer
            }
        }

        if (budget < MinThinkingBudget)
        {
            return;
        }

        request.MaxTokens = maxTokens;
        request.Thinking = new AnthropicThinking { Type = "enabled", BudgetTokens = budget };
    }

    /// <summary>Drops the sampling parameters an Anthropic model refuses: with thinking (per the capability), and temperature with top-p together.</summary>
    public static void ApplyAnthropicSampling(MessagesRequest request, ModelCapability? capability)
    {
        if (capability is null)
        {
            return;
        }

        if (request.Thinking is not null && capability.SamplingWithReasoning == false)
        {
            // Anthropic: with extended thinking temperature must be 1 (its default) and top_k unset; top_p may be 0.95 to 1.
            request.Temperature = null;
            request.TopK = null;
            request.TopP = request.TopP >= MinTopPWithThinking ? request.TopP : null;
        }

        if (capability.TemperatureOrTopP == true && request.Temperature is not null)
        {
            request.TopP = null;
        }
    }

    /// <summary>Fits a Gemini body: a thinking level instead of a budget for models that take levels.</summary>
    /// <param name="request">The converted request.</param>
    /// <param name="capability">The target model's capability.</param>
    /// <param name="effort">The pivot's reasoning effort the budget was derived from.</param>
    public static void ApplyToGemini(GenerateContentRequest request, ModelCapability? capability, string? effort)
    {
        if (capability?.Reasoning != ReasoningControl.Level || request.GenerationConfig?.ThinkingConfig is not { } thinking || effort is null)
        {
            return;
        }

        // Gemini 3 takes thinkingLevel low or high; sending it with a thinkingBudget is refused.
        thinking.ThinkingBudget = null;
        thinking.ThinkingLevel = effort is "none" or "minimal" or "low" ? "low" : "high";
    }
}

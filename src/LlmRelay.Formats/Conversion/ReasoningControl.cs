namespace LlmRelay.Formats.Conversion;

/// <summary>How a model takes a request to reason (think) before it answers, as far as a conversion needs to know.</summary>
/// <remarks>
/// A conversion writes the caller's reasoning request in the target family's own parameter (OpenAI <c>reasoning_effort</c>,
/// Anthropic <c>thinking.budget_tokens</c>, Gemini <c>thinkingConfig</c>); this value says whether the model takes one at all.
/// </remarks>
public enum ReasoningControl
{
    /// <summary>Not known: the caller's reasoning request is converted as it came, unchecked.</summary>
    Unspecified = 0,

    /// <summary>The model does not reason; a reasoning request is dropped (providers refuse it: gpt-4o, claude-3-5-sonnet, gemini-2.0-flash).</summary>
    None,

    /// <summary>The model takes an effort level, OpenAI's <c>reasoning_effort</c> (o-series, gpt-5); it reasons whether asked or not.</summary>
    Effort,

    /// <summary>The model takes a thinking budget in tokens (Anthropic extended thinking, Gemini 2.5 <c>thinkingBudget</c>).</summary>
    Budget,

    /// <summary>The model takes a thinking level (Gemini 3 <c>thinkingLevel</c>: <c>low</c> or <c>high</c>).</summary>
    Level,

    /// <summary>The model always reasons and takes no parameter to steer it (deepseek-reasoner, o1-mini); a reasoning request is dropped.</summary>
    Fixed,
}

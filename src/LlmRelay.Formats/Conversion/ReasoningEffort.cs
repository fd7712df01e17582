namespace LlmRelay.Formats.Conversion;

/// <summary>Maps OpenAI <c>reasoning_effort</c> to thinking budgets and back.</summary>
internal static class ReasoningEffort
{
    public static int? ToBudget(string? effort) => effort switch
    {
        null => null,
        "none" => 0,
        "minimal" => 512,
        "low" => 1024,
        "medium" => 8192,
        "high" => 24576,
        _ => 8192,
    };

    public static string? FromBudget(int? budget) => budget switch
    {
        null => null,
        0 => "none",
        < 0 => "medium",
        <= 1024 => "low",
        <= 8192 => "medium",
        _ => "high",
    };
}

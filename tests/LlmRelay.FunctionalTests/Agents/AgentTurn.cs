namespace LlmRelay.FunctionalTests.Agents;

/// <summary>One scripted upstream turn: a text answer, or a call to the tool <see cref="ToolName"/> with <see cref="Arguments"/> (JSON).</summary>
internal sealed record AgentTurn(string? Text, string? ToolName, string? Arguments)
{
    /// <summary>Tokens the scripted upstream reports for every turn (flat-priced, so each turn charges their sum).</summary>
    public const int PromptTokens = 20;

    public const int CompletionTokens = 5;

    public static AgentTurn Answer(string text) => new(text, null, null);

    public static AgentTurn Call(string name, string arguments) => new(null, name, arguments);
}

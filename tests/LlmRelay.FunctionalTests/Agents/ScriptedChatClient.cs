using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>The in-process model behind the <c>chat-client</c> channel: the same <see cref="AgentScript"/> over the messages and tools the gateway hands it.</summary>
internal sealed class ScriptedChatClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, [Content(messages, options)]))
        {
            Usage = new UsageDetails { InputTokenCount = AgentTurn.PromptTokens, OutputTokenCount = AgentTurn.CompletionTokens, TotalTokenCount = AgentTurn.PromptTokens + AgentTurn.CompletionTokens },
            FinishReason = null,
        };
        response.FinishReason = response.Messages[0].Contents[0] is FunctionCallContent ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var content = Content(messages, options);
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, [content]);
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = AgentTurn.PromptTokens, OutputTokenCount = AgentTurn.CompletionTokens, TotalTokenCount = AgentTurn.PromptTokens + AgentTurn.CompletionTokens })])
        {
            FinishReason = content is FunctionCallContent ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private static AIContent Content(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        // The request as text: every message's text and every tool result, as an upstream would see them in its body.
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                text.Append(content switch
                {
                    TextContent t => t.Text,
                    FunctionResultContent r => r.Result is JsonElement e ? e.GetRawText() : r.Result?.ToString(),
                    _ => null,
                }).Append('\n');
            }
        }

        var tools = (options?.Tools ?? []).OfType<AIFunctionDeclaration>()
            .Select(static f => (f.Name, (JsonNode?)JsonNode.Parse(f.JsonSchema.GetRawText())))
            .ToList();
        var turn = AgentScript.Decide(text.ToString(), tools);
        return turn.Text is not null
            ? new TextContent(turn.Text)
            : new FunctionCallContent("call_agent_1", turn.ToolName!, JsonSerializer.Deserialize<Dictionary<string, object?>>(turn.Arguments!));
    }
}

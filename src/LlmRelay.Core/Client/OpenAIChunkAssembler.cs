using LlmRelay.Formats;
using Microsoft.Extensions.AI;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

/// <summary>Turns OpenAI Chat stream chunks into <see cref="ChatResponseUpdate"/> values, assembling tool-call fragments into whole calls.</summary>
/// <remarks>
/// Text and reasoning deltas pass straight through; tool-call fragments are buffered by index and emitted as
/// <see cref="FunctionCallContent"/> with the chunk that carries the finish reason (or at the end of the stream);
/// usage arrives as a <see cref="UsageContent"/> in its own, last update. Not thread-safe: one instance per stream.
/// </remarks>
internal sealed class OpenAIChunkAssembler
{
    private readonly SortedDictionary<int, PendingCall> _calls = [];

    /// <summary>Gets the usage the stream reported, normalised.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>Adds the updates one chunk produces to <paramref name="output"/>.</summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="usage">The chunk's usage, read from its bytes by the family's usage reader (issue #14), or <see langword="null"/>.</param>
    /// <param name="output">Receives the updates.</param>
    public void Add(Wire.ChatCompletionChunk chunk, TokenUsage? usage, List<ChatResponseUpdate> output)
    {
        foreach (var choice in chunk.Choices ?? [])
        {
            var contents = new List<AIContent>();
            var delta = choice.Delta;
            if (delta?.ReasoningContent is { Length: > 0 } reasoning)
            {
                contents.Add(new TextReasoningContent(reasoning));
            }

            var text = delta?.Content?.Text ?? (delta?.Content?.Parts is { } parts ? string.Concat(parts.Select(static p => p.Text)) : null);
            if (!string.IsNullOrEmpty(text))
            {
                contents.Add(new TextContent(text));
            }

            foreach (var fragment in delta?.ToolCalls ?? [])
            {
                var index = fragment.Index ?? _calls.Count;
                if (!_calls.TryGetValue(index, out var pending))
                {
                    _calls[index] = pending = new PendingCall();
                }

                pending.Id ??= fragment.Id;
                pending.Name ??= fragment.Function?.Name;
                pending.Arguments.Append(fragment.Function?.Arguments);
            }

            var finish = OpenAIChatResponseMapper.FinishReasonOf(choice.FinishReason);
            if (finish is not null)
            {
                FlushCalls(contents);
            }

            if (contents.Count > 0 || finish is not null || delta?.Role is not null)
            {
                output.Add(NewUpdate(chunk, contents, finish));
            }
        }

        if (usage is { } normalised)
        {
            Usage = normalised;
            output.Add(NewUpdate(chunk, [new UsageContent(OpenAIChatResponseMapper.UsageDetailsOf(normalised))], null));
        }
    }

    /// <summary>Emits tool calls still pending when the stream ended without a finish reason.</summary>
    public void Complete(List<ChatResponseUpdate> output)
    {
        if (_calls.Count == 0)
        {
            return;
        }

        var contents = new List<AIContent>();
        FlushCalls(contents);
        output.Add(new ChatResponseUpdate(ChatRole.Assistant, contents) { FinishReason = ChatFinishReason.ToolCalls });
    }

    private void FlushCalls(List<AIContent> contents)
    {
        foreach (var (_, call) in _calls)
        {
            contents.Add(OpenAIChatRequestMapper.ParseCall(call.Id ?? "", call.Name ?? "", call.Arguments.ToString()));
        }

        _calls.Clear();
    }

    private static ChatResponseUpdate NewUpdate(Wire.ChatCompletionChunk chunk, List<AIContent> contents, ChatFinishReason? finish) => new(ChatRole.Assistant, contents)
    {
        ResponseId = chunk.Id,
        MessageId = chunk.Id,
        ModelId = chunk.Model,
        CreatedAt = chunk.Created > 0 ? DateTimeOffset.FromUnixTimeSeconds(chunk.Created) : null,
        FinishReason = finish,
        RawRepresentation = chunk,
    };

    private sealed class PendingCall
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public System.Text.StringBuilder Arguments { get; } = new();
    }
}

using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.ToolCalls;

/// <summary>
/// Wraps a target-family encoder for channels without native tool calling: text deltas go through a
/// <see cref="StreamingToolCallExtractor"/>, recognised calls reach the caller as structured tool-call
/// events, and a <c>tool_choice</c> violation ends the stream with the family's failure events.
/// </summary>
internal sealed class TextToolCallStreamEncoder : StreamEncoder
{
    private readonly StreamEncoder _inner;
    private readonly StreamingToolCallExtractor _extractor;
    private readonly JsonElement? _toolChoice;
    private readonly List<ToolTextEvent> _events = [];
    private readonly List<string> _called = [];
    private readonly PooledBuffer _token = new(256);
    private readonly PooledBuffer _token2 = new(64);

    public TextToolCallStreamEncoder(StreamEncoder inner, IEnumerable<string> declaredTools, JsonElement? toolChoice, StreamConversionOptions options)
        : base(options)
    {
        _inner = inner;
        _toolChoice = toolChoice;
        _extractor = new StreamingToolCallExtractor(declaredTools, "call_" + options.FallbackId + "_");
    }

    public override void Dispose()
    {
        _inner.Dispose();
        _token.Dispose();
        _token2.Dispose();
        base.Dispose();
    }

    protected override void OnStart(IBufferWriter<byte> output)
    {
        _inner.SetStart(StartInfo);
        _inner.EnsureStarted(output);
    }

    protected override void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(token);
        reader.Read();
        _extractor.Feed(reader.GetString() ?? string.Empty, _events);
        Drain(output);
    }

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output) => _inner.Reasoning(token, output);

    protected override void OnReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output) => _inner.ReasoningSignature(token, output);

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
        => _inner.ToolCallStart(index, idToken, nameToken, signatureToken, output);

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
        => _inner.ToolCallArguments(index, fragmentToken, output);

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        _extractor.Complete(_events);
        Drain(output);
        error ??= TextToolCalls.CheckToolChoice(_toolChoice, _called);
        CompletionError = error;
        _inner.Complete(usage, reason, error, output);
    }

    private void Drain(IBufferWriter<byte> output)
    {
        foreach (ToolTextEvent e in _events)
        {
            switch (e.Kind)
            {
                case ToolTextEventKind.Text:
                    _inner.Text(Token(_token, e.Text), output);
                    break;
                case ToolTextEventKind.ToolCallStart:
                    _called.Add(e.Name!);
                    Token(_token2, e.Id!);
                    _inner.ToolCallStart(e.Index, _token2.WrittenSpan, Token(_token, e.Name!), default, output);
                    break;
                default:
                    _inner.ToolCallArguments(e.Index, Token(_token, e.Text), output);
                    break;
            }
        }

        _events.Clear();
    }

    private ReadOnlySpan<byte> Token(PooledBuffer buffer, string value)
    {
        buffer.Clear();
        Writer.Reset(buffer);
        Writer.WriteStringValue(value);
        Writer.Flush();
        return buffer.WrittenSpan;
    }
}

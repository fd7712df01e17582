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
/// <remarks>
/// Plain text that can neither start a call nor a fence is forwarded as the upstream's own token, undecoded
/// (<see cref="StreamingToolCallExtractor.TryTakePlainText"/>); only deltas holding <c>{</c> or a backtick are decoded.
/// Calls the upstream makes natively pass through, renumbered with the recognised ones so the caller sees one dense
/// sequence of calls. Not thread-safe.
/// </remarks>
internal sealed class TextToolCallStreamEncoder : StreamEncoder
{
    private readonly StreamEncoder _inner;
    private readonly StreamingToolCallExtractor _extractor;
    private readonly JsonElement? _toolChoice;
    private readonly List<ToolTextEvent> _events = [];
    private readonly List<string> _called = [];
    private readonly List<int> _nativeIndexes = [];
    private readonly List<int> _textIndexes = [];
    private readonly PooledBuffer _token = new(256);
    private readonly PooledBuffer _token2 = new(64);
    private int _nextIndex;

    public TextToolCallStreamEncoder(StreamEncoder inner, IEnumerable<string> declaredTools, JsonElement? toolChoice, StreamConversionOptions options)
        : this(inner, declaredTools, toolChoice, options, "call_" + options.FallbackId + "_")
    {
    }

    public TextToolCallStreamEncoder(StreamEncoder inner, IEnumerable<string> declaredTools, JsonElement? toolChoice, StreamConversionOptions options, string idPrefix)
        : base(options)
    {
        _inner = inner;
        _toolChoice = toolChoice;
        _extractor = new StreamingToolCallExtractor(declaredTools, idPrefix);
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
        if (_extractor.TryTakePlainText(token))
        {
            _inner.Text(token, output);
            return;
        }

        var reader = new Utf8JsonReader(token);
        reader.Read();
        _extractor.Feed(reader.GetString() ?? string.Empty, _events);
        Drain(output);
    }

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output) => _inner.Reasoning(token, output);

    protected override void OnReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output) => _inner.ReasoningSignature(token, output);

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(nameToken);
        reader.Read();
        _called.Add(reader.GetString() ?? string.Empty);
        _inner.ToolCallStart(Assign(_nativeIndexes, index), idToken, nameToken, signatureToken, output);
    }

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
        => _inner.ToolCallArguments(index < _nativeIndexes.Count ? _nativeIndexes[index] : index, fragmentToken, output);

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        _extractor.Complete(_events);
        Drain(output);
        error ??= TextToolCalls.CheckToolChoice(_toolChoice, _called);
        CompletionError = error;
        _inner.Complete(usage, reason, error, output); // the inner encoder turns stop into tool calls when it wrote any
    }

    // Gives call `index` of one source (the upstream's native calls, or the calls found in text) the caller's next index.
    private int Assign(List<int> indexes, int index)
    {
        while (indexes.Count <= index)
        {
            indexes.Add(-1);
        }

        indexes[index] = _nextIndex++;
        return indexes[index];
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
                    _inner.ToolCallStart(Assign(_textIndexes, e.Index), _token2.WrittenSpan, Token(_token, e.Name!), default, output);
                    break;
                default:
                    _inner.ToolCallArguments(_textIndexes[e.Index], Token(_token, e.Text), output);
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

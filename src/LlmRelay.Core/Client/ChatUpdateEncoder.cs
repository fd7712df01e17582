using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmRelay.Formats;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>A <see cref="StreamEncoder"/> whose output is <see cref="ChatResponseUpdate"/> values rather than SSE bytes.</summary>
/// <remarks>
/// Driven by any family's <see cref="StreamDecoder"/>; the <see cref="IBufferWriter{T}"/> the base class passes along is never
/// written. Text and reasoning become one update each as they arrive. Tool-call argument fragments are unescaped into one
/// pooled buffer per call and emitted, parsed, as <see cref="FunctionCallContent"/> in the update that carries the finish
/// reason; usage follows in its own, last update. After an upstream error nothing more is emitted (the caller reports the
/// error). The start event only records the response id, model and creation time: no empty update is emitted for it.
/// Not thread-safe: one instance per stream.
/// </remarks>
internal sealed class ChatUpdateEncoder : StreamEncoder
{
    private static readonly StreamConversionOptions Unused = new();
    private readonly List<PendingCall?> _calls = [];
    private List<ChatResponseUpdate> _output = [];
    private string? _id;
    private string? _model;
    private DateTimeOffset? _created;

    public ChatUpdateEncoder()
        : base(Unused)
    {
    }

    /// <summary>Sets the list the next updates are added to.</summary>
    public List<ChatResponseUpdate> Output
    {
        set => _output = value;
    }

    public override void Dispose()
    {
        ReleaseCalls();
        base.Dispose();
    }

    protected override void OnStart(IBufferWriter<byte> output)
    {
        _id = StartInfo.Id;
        _model = StartInfo.Model;
        _created = StartInfo.Created > 0 ? DateTimeOffset.FromUnixTimeSeconds(StartInfo.Created) : null;
    }

    protected override void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output) => Add(new TextContent(StringOf(token)));

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output) => Add(new TextReasoningContent(StringOf(token)));

    protected override void OnReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output) =>
        Add(new TextReasoningContent(string.Empty) { ProtectedData = StringOf(token) });

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        while (_calls.Count <= index)
        {
            _calls.Add(null);
        }

        _calls[index]?.Arguments.Dispose();
        var id = idToken.Length >= 2 ? StringOf(idToken) : "call_" + index.ToString(CultureInfo.InvariantCulture);
        _calls[index] = new PendingCall(id, nameToken.Length >= 2 ? StringOf(nameToken) : string.Empty);
    }

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
    {
        if (index < _calls.Count && _calls[index] is { } call)
        {
            AppendUnescaped(fragmentToken, call.Arguments);
        }
    }

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        if (error is not null && error.Kind != FormatErrorKind.TruncatedStream)
        {
            ReleaseCalls(); // The caller throws the error after what was already emitted.
            return;
        }

        List<AIContent>? calls = null;
        foreach (var call in _calls)
        {
            if (call is not null)
            {
                (calls ??= []).Add(OpenAIChatRequestMapper.ParseCall(call.Id, call.Name, Encoding.UTF8.GetString(call.Arguments.WrittenSpan)));
            }
        }

        ReleaseCalls();

        // A stream that just stopped (no finish reason, no terminal event) reports no reason, unless it left tool calls.
        ChatFinishReason? finish = error is null ? FinishReasonOf(reason) : calls is null ? null : ChatFinishReason.ToolCalls;
        if (calls is not null || finish is not null)
        {
            _output.Add(NewUpdate(calls ?? [], finish));
        }

        if (usage is { } reported)
        {
            _output.Add(NewUpdate([new UsageContent(OpenAIChatResponseMapper.UsageDetailsOf(reported))], null));
        }
    }

    private static ChatFinishReason FinishReasonOf(FinishReason reason) => reason switch
    {
        FinishReason.Length => ChatFinishReason.Length,
        FinishReason.ToolCalls => ChatFinishReason.ToolCalls,
        FinishReason.ContentFilter => ChatFinishReason.ContentFilter,
        _ => ChatFinishReason.Stop, // Stop, StopSequence and Other, as the OpenAI chunk encoder maps them.
    };

    /// <summary>Unescapes a quoted JSON string token.</summary>
    // Appends the UTF-8 content of a JSON string token (quotes included) without its escapes.
    private static void AppendUnescaped(ReadOnlySpan<byte> token, PooledBuffer destination)
    {
        if (token.Length < 2)
        {
            return;
        }

        var inner = token[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            destination.Append(inner);
            return;
        }

        var reader = new Utf8JsonReader(token);
        reader.Read();
        var span = destination.GetSpan(inner.Length); // Unescaped text is never longer than its escaped form.
        destination.Advance(reader.CopyString(span));
    }

    private static string StringOf(ReadOnlySpan<byte> token)
    {
        var inner = token[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(inner);
        }

        var reader = new Utf8JsonReader(token);
        reader.Read();
        return reader.GetString() ?? string.Empty;
    }

    private void Add(AIContent content) => _output.Add(NewUpdate([content], null));

    private ChatResponseUpdate NewUpdate(List<AIContent> contents, ChatFinishReason? finish) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _id,
        MessageId = _id,
        ModelId = _model,
        CreatedAt = _created,
        FinishReason = finish,
    };

    private void ReleaseCalls()
    {
        foreach (var call in _calls)
        {
            call?.Arguments.Dispose();
        }

        _calls.Clear();
    }

    private sealed class PendingCall(string id, string name)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public PooledBuffer Arguments { get; } = new(256);
    }
}

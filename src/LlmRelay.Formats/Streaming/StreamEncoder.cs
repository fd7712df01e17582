using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.Streaming;

/// <summary>Writes the canonical stream events in one family's SSE shape.</summary>
/// <remarks>
/// String arguments are JSON string tokens <em>including</em> their quotes, exactly as the upstream escaped
/// them, so text is never unescaped and re-escaped on the hot path. Tool-call indexes are dense ordinals
/// (0, 1, ...) assigned by the decoder; fragments of different calls are never merged.
/// </remarks>
internal abstract class StreamEncoder : IDisposable
{
    private int _lastTool = -1;
    private bool _lastToolHasArguments;

    protected StreamEncoder(StreamConversionOptions options)
    {
        Options = options;
        Writer = Json.CreateWriter();
    }

    protected StreamConversionOptions Options { get; }

    protected Utf8JsonWriter Writer { get; }

    protected virtual bool Crlf => false;

    protected bool Started { get; private set; }

    protected StreamStart StartInfo { get; private set; }

    protected string Id => StartInfo.Id ?? Options.FallbackId;

    protected string Model => Options.Model ?? StartInfo.Model ?? "unknown";

    protected long Created => StartInfo.Created != 0 ? StartInfo.Created : Options.Created;

    /// <summary>Gets the number of tool calls started.</summary>
    public int ToolCallCount { get; private set; }

    public bool Completed { get; private set; }

    /// <summary>Gets the error the closing events reported (set by <see cref="Complete"/>; an encoder may add its own).</summary>
    public FormatError? CompletionError { get; protected set; }

    public void SetStart(in StreamStart start)
    {
        if (!Started)
        {
            StartInfo = start;
        }
    }

    public void EnsureStarted(IBufferWriter<byte> output)
    {
        if (!Started)
        {
            Started = true;
            OnStart(output);
        }
    }

    public void Text(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        if (token.Length <= 2)
        {
            return;
        }

        EnsureStarted(output);
        FlushEmptyArguments(output);
        OnText(token, output);
    }

    public void Reasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        if (token.Length <= 2)
        {
            return;
        }

        EnsureStarted(output);
        FlushEmptyArguments(output);
        OnReasoning(token, output);
    }

    public void ReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        if (token.Length <= 2)
        {
            return;
        }

        EnsureStarted(output);
        OnReasoningSignature(token, output);
    }

    public void ToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        FlushEmptyArguments(output);
        ToolCallCount++;
        _lastTool = index;
        _lastToolHasArguments = false;
        OnToolCallStart(index, idToken, nameToken, signatureToken, output);
    }

    public void ToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
    {
        if (fragmentToken.Length <= 2)
        {
            return;
        }

        EnsureStarted(output);
        if (index == _lastTool)
        {
            _lastToolHasArguments = true;
        }

        OnToolCallArguments(index, fragmentToken, output);
    }

    public void Complete(TokenUsage? usage, FinishReason? reason, FormatError? error, IBufferWriter<byte> output)
    {
        if (Completed)
        {
            return;
        }

        Completed = true;
        EnsureStarted(output);
        FlushEmptyArguments(output);
        FinishReason r = reason ?? (error is null ? FinishReason.Stop : FinishReason.Other);
        if (r == FinishReason.Stop && ToolCallCount > 0)
        {
            r = FinishReason.ToolCalls;
        }

        CompletionError = error;
        OnComplete(usage, r, error, output);
    }

    public virtual void Dispose()
    {
        Writer.Dispose();
    }

    protected abstract void OnStart(IBufferWriter<byte> output);

    protected abstract void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output);

    protected abstract void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output);

    protected virtual void OnReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
    }

    protected abstract void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output);

    protected abstract void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output);

    protected abstract void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output);

    /// <summary>A tool call that ended without any argument fragment gets <c>{}</c>, so callers always parse valid JSON.</summary>
    private void FlushEmptyArguments(IBufferWriter<byte> output)
    {
        if (_lastTool >= 0 && !_lastToolHasArguments)
        {
            _lastToolHasArguments = true;
            OnToolCallArguments(_lastTool, "\"{}\""u8, output);
        }
    }

    /// <summary>Writes the SSE prefix and points the JSON writer at the output.</summary>
    protected Utf8JsonWriter Begin(IBufferWriter<byte> output, ReadOnlySpan<byte> eventType = default)
    {
        SseWriter.WritePrefix(output, eventType, Crlf);
        Writer.Reset(output);
        return Writer;
    }

    /// <summary>Flushes the JSON and terminates the SSE frame.</summary>
    protected void End(IBufferWriter<byte> output)
    {
        Writer.Flush();
        SseWriter.WriteSuffix(output, Crlf);
    }
}

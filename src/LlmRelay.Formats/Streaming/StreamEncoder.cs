using System.Buffers;
using System.Diagnostics.CodeAnalysis;
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
public abstract class StreamEncoder : IDisposable
{
    private int _lastTool = -1;
    private bool _lastToolHasArguments;

    /// <summary>Initializes a new instance of the <see cref="StreamEncoder"/> class.</summary>
    /// <param name="options">The caller-facing stream options.</param>
    protected StreamEncoder(StreamConversionOptions options)
    {
        Options = options;
        Writer = Json.CreateWriter();
    }

    /// <summary>Gets the caller-facing stream options.</summary>
    protected StreamConversionOptions Options { get; }

    /// <summary>Gets the JSON writer <see cref="Begin"/> points at the output.</summary>
    protected Utf8JsonWriter Writer { get; }

    /// <summary>Gets a value indicating whether SSE lines end with CRLF instead of LF.</summary>
    protected virtual bool Crlf => false;

    /// <summary>Gets a value indicating whether the opening events have been written.</summary>
    protected bool Started { get; private set; }

    /// <summary>Gets what the decoder reported when the stream started.</summary>
    protected StreamStart StartInfo { get; private set; }

    /// <summary>Gets the id to report: the upstream's, or <see cref="StreamConversionOptions.FallbackId"/>.</summary>
    protected string Id => StartInfo.Id ?? Options.FallbackId;

    /// <summary>Gets the model to report: <see cref="StreamConversionOptions.Model"/>, the upstream's, or <c>unknown</c>.</summary>
    protected string Model => Options.Model ?? StartInfo.Model ?? "unknown";

    /// <summary>Gets the creation time to report (Unix seconds): the upstream's, or <see cref="StreamConversionOptions.Created"/>.</summary>
    protected long Created => StartInfo.Created != 0 ? StartInfo.Created : Options.Created;

    /// <summary>Gets the number of tool calls started.</summary>
    public int ToolCallCount { get; private set; }

    /// <summary>Gets a value indicating whether <see cref="Complete"/> has run.</summary>
    public bool Completed { get; private set; }

    /// <summary>Gets the error the closing events reported (set by <see cref="Complete"/>; an encoder may add its own).</summary>
    public FormatError? CompletionError { get; protected set; }

    /// <summary>Records what the decoder knows at the start; ignored once the opening events are written.</summary>
    /// <param name="start">The start information.</param>
    public void SetStart(in StreamStart start)
    {
        if (!Started)
        {
            StartInfo = start;
        }
    }

    /// <summary>Writes the opening events if they have not been written yet.</summary>
    /// <param name="output">Where to write.</param>
    public void EnsureStarted(IBufferWriter<byte> output)
    {
        if (!Started)
        {
            Started = true;
            OnStart(output);
        }
    }

    /// <summary>Writes a text delta.</summary>
    /// <param name="token">A JSON string token, quotes included; empty strings are skipped.</param>
    /// <param name="output">Where to write.</param>
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

    /// <summary>Writes a reasoning (thinking) delta.</summary>
    /// <param name="token">A JSON string token, quotes included; empty strings are skipped.</param>
    /// <param name="output">Where to write.</param>
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

    /// <summary>Writes the signature that closes a reasoning block, for families that carry one.</summary>
    /// <param name="token">A JSON string token, quotes included; empty strings are skipped.</param>
    /// <param name="output">Where to write.</param>
    public void ReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        if (token.Length <= 2)
        {
            return;
        }

        EnsureStarted(output);
        OnReasoningSignature(token, output);
    }

    /// <summary>Starts tool call <paramref name="index"/>.</summary>
    /// <param name="index">The dense ordinal of the call.</param>
    /// <param name="idToken">The call id as a JSON string token.</param>
    /// <param name="nameToken">The function name as a JSON string token.</param>
    /// <param name="signatureToken">The thought signature as a JSON string token, or empty.</param>
    /// <param name="output">Where to write.</param>
    public void ToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        FlushEmptyArguments(output);
        ToolCallCount++;
        _lastTool = index;
        _lastToolHasArguments = false;
        OnToolCallStart(index, idToken, nameToken, signatureToken, output);
    }

    /// <summary>Writes a fragment of the arguments of tool call <paramref name="index"/>.</summary>
    /// <param name="index">The dense ordinal of the call.</param>
    /// <param name="fragmentToken">A JSON string token holding a piece of the arguments JSON; empty strings are skipped.</param>
    /// <param name="output">Where to write.</param>
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

    /// <summary>Writes the closing events once; later calls do nothing.</summary>
    /// <param name="usage">The usage to report, if known.</param>
    /// <param name="reason">The finish reason; <see langword="null"/> means stop, or other when <paramref name="error"/> is set.</param>
    /// <param name="error">The error that ended the stream, if any.</param>
    /// <param name="output">Where to write.</param>
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

    /// <summary>Disposes the JSON writer.</summary>
    public virtual void Dispose()
    {
        Writer.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes the opening events.</summary>
    /// <param name="output">Where to write.</param>
    protected abstract void OnStart(IBufferWriter<byte> output);

    /// <summary>Writes a non-empty text delta.</summary>
    /// <param name="token">A JSON string token, quotes included.</param>
    /// <param name="output">Where to write.</param>
    protected abstract void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output);

    /// <summary>Writes a non-empty reasoning delta.</summary>
    /// <param name="token">A JSON string token, quotes included.</param>
    /// <param name="output">Where to write.</param>
    protected abstract void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output);

    /// <summary>Writes a reasoning signature; the base implementation drops it.</summary>
    /// <param name="token">A JSON string token, quotes included.</param>
    /// <param name="output">Where to write.</param>
    protected virtual void OnReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
    }

    /// <summary>Writes the start of a tool call.</summary>
    /// <param name="index">The dense ordinal of the call.</param>
    /// <param name="idToken">The call id as a JSON string token.</param>
    /// <param name="nameToken">The function name as a JSON string token.</param>
    /// <param name="signatureToken">The thought signature as a JSON string token, or empty.</param>
    /// <param name="output">Where to write.</param>
    protected abstract void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output);

    /// <summary>Writes a non-empty arguments fragment of a tool call.</summary>
    /// <param name="index">The dense ordinal of the call.</param>
    /// <param name="fragmentToken">A JSON string token holding a piece of the arguments JSON.</param>
    /// <param name="output">Where to write.</param>
    protected abstract void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output);

    /// <summary>Writes the closing events.</summary>
    /// <param name="usage">The usage to report, if known.</param>
    /// <param name="reason">The finish reason (tool calls when calls were made and the model stopped).</param>
    /// <param name="error">The error that ended the stream, if any.</param>
    /// <param name="output">Where to write.</param>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The name every error parameter of this package has.")]
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

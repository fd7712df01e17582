using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using Microsoft.Extensions.AI;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

/// <summary>A read-only stream of OpenAI Chat SSE events produced, on demand, from an <see cref="IChatClient"/>'s updates.</summary>
/// <remarks>
/// Pull-based: each read asks the client for the next update only when the previous event was consumed, so the
/// reader's cancellation and back-pressure reach the client. Ends with a usage chunk (when any usage was reported)
/// and <c>data: [DONE]</c>. A client failure surfaces as <see cref="IOException"/>. Not thread-safe.
/// </remarks>
internal sealed class ChatClientSseStream : Stream
{
    private readonly IAsyncEnumerator<ChatResponseUpdate> _updates;
    private readonly string _model;
    private readonly long _created;
    private readonly ArrayBufferWriter<byte> _pending = new(1024);
    private readonly Dictionary<string, int> _toolIndexes = new(StringComparer.Ordinal);
    private string _id = "chatcmpl-" + Guid.NewGuid().ToString("N");
    private int _offset;
    private bool _hasCurrent;
    private bool _sentRole;
    private bool _ended;
    private UsageDetails? _usage;

    public ChatClientSseStream(IAsyncEnumerator<ChatResponseUpdate> updates, bool hasFirst, string model, long created)
    {
        _updates = updates;
        _hasCurrent = hasFirst;
        _model = model;
        _created = created;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset >= _pending.WrittenCount)
        {
            if (_ended)
            {
                return 0;
            }

            _pending.Clear();
            _offset = 0;
            if (_hasCurrent)
            {
                WriteUpdate(_updates.Current);
                _hasCurrent = false;
                continue;
            }

            try
            {
                _hasCurrent = await _updates.MoveNextAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A failure after the stream started becomes a transport error for the relay to report.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                throw new IOException($"The chat client failed mid-stream: {ex.Message}", ex);
            }

            if (!_hasCurrent)
            {
                WriteEnd();
                _ended = true;
            }
        }

        var count = Math.Min(buffer.Length, _pending.WrittenCount - _offset);
        _pending.WrittenSpan.Slice(_offset, count).CopyTo(buffer.Span);
        _offset += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await _updates.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _updates.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private void WriteUpdate(ChatResponseUpdate update)
    {
        if (update.ResponseId is { Length: > 0 } id)
        {
            _id = id;
        }

        var delta = new Wire.ChatMessage();
        if (!_sentRole)
        {
            delta.Role = "assistant";
            _sentRole = true;
        }

        string? text = null;
        string? reasoning = null;
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text += t.Text;
                    break;
                case TextReasoningContent r:
                    reasoning += r.Text;
                    break;
                case FunctionCallContent call:
                    if (!_toolIndexes.TryGetValue(call.CallId, out var index))
                    {
                        _toolIndexes[call.CallId] = index = _toolIndexes.Count;
                    }

                    (delta.ToolCalls ??= []).Add(new Wire.ChatToolCall
                    {
                        Index = index,
                        Id = call.CallId,
                        Type = "function",
                        Function = new Wire.ChatFunctionCall { Name = call.Name, Arguments = OpenAIChatRequestMapper.SerializeArguments(call.Arguments) },
                    });
                    break;
                case UsageContent usage:
                    (_usage ??= new UsageDetails()).Add(usage.Details);
                    break;
            }
        }

        delta.Content = text is null ? null : new TextOrParts<Wire.ChatContentPart>(text);
        delta.ReasoningContent = reasoning;
        var finish = OpenAIChatResponseMapper.FinishReasonText(update.FinishReason);
        if (delta.Role is null && text is null && reasoning is null && delta.ToolCalls is null && finish is null)
        {
            return; // Nothing an OpenAI client would see (usage alone is sent at the end).
        }

        WriteChunk(new Wire.ChatCompletionChunk
        {
            Id = _id,
            Object = "chat.completion.chunk",
            Created = _created,
            Model = update.ModelId ?? _model,
            Choices = [new Wire.ChatChunkChoice { Index = 0, Delta = delta, FinishReason = finish }],
        });
    }

    private void WriteEnd()
    {
        if (_usage is not null)
        {
            WriteChunk(new Wire.ChatCompletionChunk
            {
                Id = _id,
                Object = "chat.completion.chunk",
                Created = _created,
                Model = _model,
                Choices = [],
                Usage = AnthropicChatConverter.ChatUsageOf(OpenAIChatResponseMapper.TokenUsageOf(_usage)),
            });
        }

        _pending.Write("data: [DONE]\n\n"u8);
    }

    private void WriteChunk(Wire.ChatCompletionChunk chunk)
    {
        _pending.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(_pending))
        {
            JsonSerializer.Serialize(writer, chunk, WireJson.Context.ChatCompletionChunk);
        }

        _pending.Write("\n\n"u8);
    }
}

using System.Buffers;
using LlmRelay.Formats;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>Reads an upstream HTTP stream in any family and yields OpenAI-shaped <see cref="ChatResponseUpdate"/> values.</summary>
internal sealed class HttpUpdateSource : RelayUpdateSource
{
    private const int BufferSize = 16 * 1024;
    private readonly HttpResponseMessage _response;
    private readonly ChatUpdateDecoder _decoder;
    private readonly TimeSpan _idleTimeout;
    private readonly Queue<ChatResponseUpdate> _pending = new();
    private readonly List<ChatResponseUpdate> _scratch = [];
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private Stream? _body;
    private bool _ended;
    private long _dataEvents;

    public HttpUpdateSource(HttpResponseMessage response, WireFormat upstream, CancellationTokenSource cts, TimeSpan idleTimeout)
        : base(cts)
    {
        _response = response;
        _decoder = new ChatUpdateDecoder(upstream);
        _idleTimeout = idleTimeout;
    }

    public override TokenUsage? Usage => _decoder.Usage;

    public override long DataEvents => _dataEvents;

    public override async ValueTask<ChatResponseUpdate?> NextAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count == 0)
        {
            if (_decoder.Error is { } error)
            {
                // Nothing useful follows an upstream error; the caller got what was produced before it, now the error.
                throw new RelayChatClientException(502, _decoder.ErrorCode ?? "upstream_error", $"Upstream error: {error}");
            }

            if (_ended)
            {
                return null;
            }

            var token = Cancellation.Token;
            int read;
            try
            {
                _body ??= await _response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                read = await _body.ReadAsync(_buffer.AsMemory(), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException ex)
            {
                throw new RelayChatClientException(502, "upstream_interrupted", "The upstream stream stalled longer than the idle timeout.", ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw new RelayChatClientException(502, "upstream_interrupted", "The upstream stream was interrupted.", ex);
            }

            _scratch.Clear();
            if (read == 0)
            {
                _ended = true;
                _decoder.Complete(_scratch);
            }
            else
            {
                Cancellation.CancelAfter(_idleTimeout);
                _dataEvents += _buffer.AsSpan(0, read).Count("data:"u8); // As the HTTP relay's stream pump counts.
                _decoder.Write(_buffer.AsSpan(0, read), _scratch);
            }

            foreach (var update in _scratch)
            {
                _pending.Enqueue(update);
            }
        }

        return _pending.Dequeue();
    }

    protected override ValueTask DisposeCoreAsync()
    {
        _decoder.Dispose();
        _response.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        return ValueTask.CompletedTask;
    }
}

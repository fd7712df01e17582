using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>One open realtime session: the caller's socket and the upstream's, frames copied both ways as they arrive.</summary>
/// <remarks>
/// <code>
/// caller ──frame──► ClientToUpstream ──same frame──► upstream      (audio appends, session.update, response.create, …)
/// caller ◄──frame── UpstreamToClient ◄──frame─────── upstream      (deltas, transcripts, response.done, …)
///                      │ response.done (its bytes set aside while they pass): usage ─► its own usage-log row, settled now
///                      │   ─► key re-checked (disabled, expired) ─► next response's quota reserved; refused: error event,
///                      │      close 1008 with the reason
///                      │ upstream closes: its close status and reason forwarded; upstream drops: error event, close 1011
/// caller closes: the close forwarded upstream, the upstream's answer forwarded back
/// </code>
/// Frames are not reassembled: each fragment is sent on as it is received, through one pooled buffer per direction, so audio
/// flows without delay. Only a <c>response.done</c> message is copied aside (once per response) to read its usage. Each
/// socket is written by one direction only (the caller's by UpstreamToClient, the upstream's by ClientToUpstream), as
/// <see cref="WebSocket"/> allows one send at a time. Not thread-safe: one instance per session.
/// </remarks>
internal sealed class RealtimeSession(RealtimeEndpoint endpoint, HttpContext context, WebSocket client, RelayAttempt attempt, RelayCall call, string key) : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private const int MaxCloseReasonBytes = 123;

    // How long the other direction may take to finish the closing handshake once one direction has ended.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly byte[] _fromClient = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly byte[] _fromUpstream = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly PooledBufferWriter _done = new(4 * 1024);
    private readonly PooledBufferWriter _error = new(1024);
    private long _deltasSinceDone;
    private string? _endReason;

    private WebSocket Upstream => attempt.Socket!;

    private CancellationToken Aborted => context.RequestAborted;

    /// <summary>Runs the session to its end.</summary>
    /// <returns>Why it ended, for the session's usage-log row.</returns>
    public async Task<string> RunAsync()
    {
        var toUpstream = ClientToUpstreamAsync();
        var toClient = UpstreamToClientAsync();
        var first = await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
        var other = first == toUpstream ? toClient : toUpstream;
        try
        {
            await other.WaitAsync(CloseGrace, endpoint.Time, Aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // The other side never finished closing: cut both.
        }

        client.Abort();
        Upstream.Abort();
        var upstreamEnd = await toClient.ConfigureAwait(false);
        var clientEnd = await toUpstream.ConfigureAwait(false);
        var reason = Volatile.Read(ref _endReason) ?? (first == toClient ? upstreamEnd : clientEnd);
        return $"Realtime session: {call.SessionResponses.ToString(CultureInfo.InvariantCulture)} response(s) billed; {reason}.";
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_fromClient);
        ArrayPool<byte>.Shared.Return(_fromUpstream);
        _done.Dispose();
        _error.Dispose();
    }

    // Copies the caller's frames upstream; returns why it stopped. The only writer of the upstream socket.
    private async Task<string> ClientToUpstreamAsync()
    {
        try
        {
            while (true)
            {
                var received = await client.ReceiveAsync(_fromClient.AsMemory(), Aborted).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    var status = Sendable(client.CloseStatus);
                    Ended($"the client closed it ({((int)status).ToString(CultureInfo.InvariantCulture)})");
                    if (Upstream.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await Upstream.CloseOutputAsync(status, client.CloseStatusDescription, Aborted).ConfigureAwait(false);
                    }

                    return _endReason!;
                }

                await Upstream.SendAsync(_fromClient.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, Aborted).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            return client.State == WebSocketState.Aborted || Aborted.IsCancellationRequested ? "the client dropped the connection" : "the upstream stopped taking the client's frames";
        }
    }

    // Copies the upstream's frames to the caller and bills each response.done; returns why it stopped. The only writer of the caller's socket.
    private async Task<string> UpstreamToClientAsync()
    {
        var capturing = false;
        var messageStart = true;
        while (true)
        {
            ValueWebSocketReceiveResult received;
            try
            {
                received = await Upstream.ReceiveAsync(_fromUpstream.AsMemory(), Aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                BillUndone();
                Ended("the upstream dropped the connection");
                await CloseClientAsync(WebSocketCloseStatus.InternalServerError, 502, RelayErrorKind.Upstream, "The upstream ended the realtime session without closing it.", "upstream_closed").ConfigureAwait(false);
                return "the upstream dropped the connection";
            }
            catch (OperationCanceledException)
            {
                BillUndone();
                return "the client dropped the connection";
            }

            if (received.MessageType == WebSocketMessageType.Close)
            {
                BillUndone();
                var status = Sendable(Upstream.CloseStatus);
                var description = Upstream.CloseStatusDescription;
                Ended($"the upstream closed it ({((int)status).ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(description) ? "" : ": " + description)})");
                await TryAsync(CloseClientOutputAsync(status, description)).ConfigureAwait(false);
                return _endReason!;
            }

            var chunk = _fromUpstream.AsMemory(0, received.Count);
            if (messageStart && received.MessageType == WebSocketMessageType.Text)
            {
                capturing = RealtimeUsageReader.MayBeResponseDone(chunk.Span);
                if (!capturing && RealtimeUsageReader.IsDelta(chunk.Span))
                {
                    _deltasSinceDone++;
                }
            }

            if (capturing)
            {
                _done.Write(chunk.Span);
            }

            if (!await TryAsync(client.SendAsync(chunk, received.MessageType, received.EndOfMessage, Aborted)).ConfigureAwait(false))
            {
                // The caller is gone: what the upstream reports for this response is not awaited; it is estimated below.
                BillUndone();
                return "the client dropped the connection";
            }

            messageStart = received.EndOfMessage;
            if (received.EndOfMessage && capturing)
            {
                capturing = false;
                string? stop;
                try
                {
                    stop = await SettleAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
                {
                    return "the client dropped the connection"; // The response was billed before anything could be cancelled.
                }

                _done.Clear();
                if (stop is not null)
                {
                    return stop;
                }
            }
        }
    }

    // A response.done reached the caller: bill it, re-check the key, reserve the next response. Returns why the session stops, or null.
    private async Task<string?> SettleAsync()
    {
        if (!RealtimeUsageReader.TryRead(_done.WrittenSpan, out var usage, out var audioIn, out var audioOut, out var responseId))
        {
            return null;
        }

        _deltasSinceDone = 0;
        var note = responseId is null ? "" : "response " + responseId;
        if (audioIn > 0 || audioOut > 0)
        {
            note += string.Create(CultureInfo.InvariantCulture, $"{(note.Length == 0 ? "" : "; ")}audio tokens in {audioIn}, out {audioOut}");
        }

        call.BillSessionResponse(attempt, usage, _done.WrittenSpan, note);

        // A long-lived socket checks its key again for every response, from the cache.
        var token = await endpoint.Tokens.FindAsync(key, Aborted).ConfigureAwait(false);
        var refusal = TokenChecks.Check(token, context.Connection.RemoteIpAddress, endpoint.Time.GetUtcNow());
        var error = refusal == TokenRefusal.None ? await call.ReserveNextResponseAsync(Aborted).ConfigureAwait(false) : TokenChecks.ErrorOf(refusal, key, token);
        if (error is null)
        {
            return null;
        }

        Ended($"closed by the gateway ({error.Code}: {error.Message})");
        await CloseClientAsync(WebSocketCloseStatus.PolicyViolation, error.Status, error.Kind, error.Message, error.Code ?? "refused").ConfigureAwait(false);
        return _endReason!;
    }

    // The first decisive event names the end (a close is answered by the other side's close, which must not take its place).
    private void Ended(string reason) => Interlocked.CompareExchange(ref _endReason, reason, null);

    // Output delivered after the last response.done, whose usage will never come: estimated, one token per delta event.
    private void BillUndone()
    {
        if (_deltasSinceDone > 0)
        {
            call.BillSessionEstimate(attempt, _deltasSinceDone, string.Create(CultureInfo.InvariantCulture, $"estimated: {_deltasSinceDone} delta event(s) delivered after the last response.done"));
            _deltasSinceDone = 0;
        }
    }

    // An error event in the Realtime API's shape, then a close frame whose reason names the code and the message.
    private async Task CloseClientAsync(WebSocketCloseStatus status, int httpStatus, RelayErrorKind kind, string message, string code)
    {
        _error.Clear();
        ResponsesSocketErrorWriter.WriteEvent(_error, httpStatus, kind, message, code, null);
        if (await TryAsync(client.SendAsync(_error.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, Aborted)).ConfigureAwait(false))
        {
            await TryAsync(CloseClientOutputAsync(status, code + ": " + message)).ConfigureAwait(false);
        }
    }

    private Task CloseClientOutputAsync(WebSocketCloseStatus status, string? description) =>
        client.State is WebSocketState.Open or WebSocketState.CloseReceived
            ? client.CloseOutputAsync(status, Truncate(description), Aborted)
            : Task.CompletedTask;

    private static async Task<bool> TryAsync(Task send)
    {
        try
        {
            await send.ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<bool> TryAsync(ValueTask send)
    {
        try
        {
            await send.ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    // 1005 (no status) and 1006 (abnormal) describe a close; they cannot be sent in one.
    private static WebSocketCloseStatus Sendable(WebSocketCloseStatus? status) =>
        status is null or WebSocketCloseStatus.Empty or (WebSocketCloseStatus)1006 ? WebSocketCloseStatus.NormalClosure : status.Value;

    // A close reason is at most 123 bytes of UTF-8.
    private static string? Truncate(string? reason)
    {
        if (reason is null || Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes)
        {
            return reason;
        }

        var length = Math.Min(reason.Length, MaxCloseReasonBytes);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxCloseReasonBytes - 3)
        {
            length--;
        }

        if (length > 0 && char.IsHighSurrogate(reason[length - 1]))
        {
            length--;
        }

        return string.Concat(reason.AsSpan(0, length), "...");
    }
}

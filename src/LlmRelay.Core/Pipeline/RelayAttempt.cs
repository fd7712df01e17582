using LlmRelay.Concurrency;
using LlmRelay.Internal;
using LlmRelay.Selection;

namespace LlmRelay.Pipeline;

/// <summary>One opened attempt of a relayed call: the channel and key that answered, what was sent, and the answer, headers read.</summary>
/// <remarks>
/// Returned by <see cref="RelayCall.NextAttemptAsync"/> once a channel answered 2xx (or, for an in-process call to a
/// chat-client channel, once its <see cref="Microsoft.Extensions.AI.IChatClient"/> may be called). The adapter reads the
/// answer, bills through its <see cref="RelayCall"/>, and disposes the attempt, which releases the concurrency slot, the
/// timeouts and the upstream connection. Not thread-safe.
/// </remarks>
public sealed class RelayAttempt : IDisposable
{
    private ConcurrencyLease? _lease;

    internal RelayAttempt(ChannelEntry channel, int keyIndex, in RelayPlan plan, string upstreamModel, ReadOnlyMemory<byte> body, ConcurrencyLease lease, TimeoutSource timeout)
    {
        Channel = channel;
        KeyIndex = keyIndex;
        Plan = plan;
        UpstreamModel = upstreamModel;
        Body = body;
        _lease = lease;
        Timeout = timeout;
    }

    /// <summary>Gets the channel.</summary>
    internal ChannelEntry Channel { get; }

    /// <summary>Gets the index of the channel's key used.</summary>
    internal int KeyIndex { get; }

    /// <summary>Gets how the channel serves the call.</summary>
    public RelayPlan Plan { get; }

    /// <summary>Gets whether the channel is configured for the tool-call sieve: tool calls its models write as text reach the caller as structured calls.</summary>
    /// <remarks>The adapter applies it (<see cref="Formats.ToolCalls.ToolCallSieve"/>) when the caller's request declares tools.</remarks>
    public bool ToolCallSieve => Channel.ToolCallSieve;

    /// <summary>Gets the model as the upstream names it.</summary>
    public string UpstreamModel { get; }

    /// <summary>Gets the body sent upstream (empty for an in-process chat-client call), which an estimate counts when no usage comes back.</summary>
    internal ReadOnlyMemory<byte> Body { get; }

    /// <summary>Gets the body sent as a stream (<see cref="RelayContent.CreateStreamedBody"/>), or <see langword="null"/> when <see cref="Body"/> was sent.</summary>
    internal HttpContent? StreamedBody { get; init; }

    /// <summary>Gets the attempt's cancellation: the caller's, the first-byte timeout, then (re-armed by the reader) the idle timeout.</summary>
    internal TimeoutSource Timeout { get; }

    /// <summary>Gets the token that cancels reading the answer: the caller's cancellation, the first-byte timeout, then the idle timeout.</summary>
    /// <remarks>A reader that receives a chunk calls <see cref="ResetIdleTimeout"/>, so only a stalled upstream is cut off.</remarks>
    public CancellationToken CancellationToken => Timeout.Token;

    /// <summary>Re-arms the channel's idle timeout: <see cref="CancellationToken"/> is cancelled if no further chunk arrives within it.</summary>
    /// <remarks>Allocates nothing; call it after each chunk of a streamed answer.</remarks>
    public void ResetIdleTimeout() => Timeout.CancelAfter(Channel.IdleTimeout);

    /// <summary>Gets the upstream's 2xx answer, headers read, or <see langword="null"/> for an in-process chat-client attempt.</summary>
    public HttpResponseMessage? Response { get; internal set; }

    /// <summary>Gets the upstream's open realtime WebSocket (<see cref="Providers.RelayOperation.Realtime"/>), or <see langword="null"/> for any other call.</summary>
    /// <remarks>Disposed with the attempt; the adapter closes it first when it can.</remarks>
    public System.Net.WebSockets.WebSocket? Socket { get; internal set; }

    /// <summary>Gets whether the channel is a chat-client channel the caller calls in process (<see cref="UpstreamSender.GetChatResponseAsync"/>).</summary>
    internal bool IsInProcess => Response is null && Socket is null;

    /// <summary>Hands the concurrency slot to whoever outlives the attempt (a stream the consumer still reads).</summary>
    internal ConcurrencyLease? DetachLease()
    {
        var lease = _lease;
        _lease = null;
        return lease;
    }

    /// <summary>Releases the answer (or socket), the timeouts and the concurrency slot.</summary>
    public void Dispose()
    {
        Response?.Dispose();
        Socket?.Dispose();
        Timeout.Dispose();
        _lease?.Dispose();
        _lease = null;
    }
}

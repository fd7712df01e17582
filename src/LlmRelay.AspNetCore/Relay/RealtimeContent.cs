using LlmRelay.Formats;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>The "body" of a realtime session: none. The session's events travel on the socket, after the handshake.</summary>
internal sealed class RealtimeContent : RelayContent
{
    public static RealtimeContent Instance { get; } = new();

    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> body)
    {
        body = default;
        return null;
    }
}

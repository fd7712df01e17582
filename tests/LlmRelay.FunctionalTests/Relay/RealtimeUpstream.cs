using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Plays an OpenAI realtime upstream on a <see cref="MockUpstream"/>: answers session.update, and each response.create with a delta and a response.done carrying the scripted usage.</summary>
internal sealed class RealtimeUpstream
{
    /// <summary>Gets the usage of each response, in order: input, output, input audio, output audio.</summary>
    public List<(long Input, long Output, long AudioInput, long AudioOutput)> Responses { get; } = [];

    /// <summary>Gets or sets after how many responses the upstream drops the TCP connection without a close frame, on the next event it receives (0: never).</summary>
    public int DropAfter { get; set; }

    /// <summary>Gets the text messages the upstream received.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>Completes when a session ended, with how it ended.</summary>
    public TaskCompletionSource<string> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 426;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        var responses = 0;
        while (true)
        {
            var length = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                Ended.TrySetResult("client closed");
                return;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, length);
            Received.Enqueue(text);
            if (DropAfter > 0 && responses == DropAfter)
            {
                // The next event after the last scripted response: everything sent before has been read by then.
                context.Abort(); // a dropped connection: no close frame
                Ended.TrySetResult("dropped");
                return;
            }

            if (text.Contains("\"session.update\"", StringComparison.Ordinal))
            {
                await SendAsync(socket, """{"type":"session.updated","event_id":"evt_up","session":{"id":"sess_1","modalities":["text","audio"]}}""");
            }
            else if (text.Contains("\"response.create\"", StringComparison.Ordinal))
            {
                var (input, output, audioIn, audioOut) = Responses[responses++];
                var id = $"resp_{responses}";
                await SendAsync(socket, $$"""{"type":"response.text.delta","event_id":"evt_d{{responses}}","response_id":"{{id}}","item_id":"item_1","output_index":0,"content_index":0,"delta":"Hello"}""");
                await SendAsync(socket, $$$"""{"type":"response.done","event_id":"evt_{{{responses}}}","response":{"object":"realtime.response","id":"{{{id}}}","status":"completed","output":[{"type":"message","content":[{"type":"text","text":"Hello"}]}],"usage":{"total_tokens":{{{input + output}}},"input_tokens":{{{input}}},"output_tokens":{{{output}}},"input_token_details":{"text_tokens":{{{input - audioIn}}},"audio_tokens":{{{audioIn}}},"cached_tokens":0},"output_token_details":{"text_tokens":{{{output - audioOut}}},"audio_tokens":{{{audioOut}}}""" + "}}}}");
            }
        }
    }

    private static Task SendAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
}

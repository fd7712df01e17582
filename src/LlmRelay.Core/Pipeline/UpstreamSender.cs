using System.Net.WebSockets;
using LlmRelay.Client;
using LlmRelay.Diagnostics;
using LlmRelay.Providers;
using LlmRelay.Selection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Pipeline;

/// <summary>The one place where LlmRelay sends a request to an upstream: relayed calls, key probes, channel tests and model lists.</summary>
/// <remarks>
/// <code>
/// channel + key + operation + body ─► adapter.BuildUri / Authenticate / connect timeout / Accept
///   ─► HTTP channel: UpstreamInvoker (pooled SocketsHttpHandler, outbound address policy)
///   ─► chat-client channel: ChatClientChannelInvoker (the keyed IChatClient, answering like an OpenAI upstream)
/// chat-client channel called in process (RelayChatClient): GetChatResponseAsync / GetChatStream on the keyed IChatClient
/// </code>
/// Returns the upstream's answer as it came (headers read, body unread); classifying it is the caller's business
/// (<see cref="RelayPipeline"/> for relayed calls). When <see cref="UpstreamCaptureLog.IsEnabled"/> (off by default), the
/// exchange is recorded here, the one send site; when it is off the send pays one field read. Thread-safe.
/// </remarks>
internal sealed class UpstreamSender(UpstreamInvoker upstream, ChatClientChannelInvoker chatClients, UpstreamCaptureLog captures, IServiceProvider services)
{
    /// <summary>Sends one request to <paramref name="channel"/> with its key at <paramref name="keyIndex"/>.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="keyIndex">The key to authenticate with.</param>
    /// <param name="operation">What the upstream is asked (the adapter builds its URL from it).</param>
    /// <param name="upstreamModel">The model as the upstream names it.</param>
    /// <param name="body">The JSON body, or empty for a request without one (a GET).</param>
    /// <param name="stream">Whether an event stream is asked for.</param>
    /// <param name="cancellationToken">Cancels the request (the caller's, and the attempt's timeouts).</param>
    /// <param name="headers">The caller's provider headers to send on (see <see cref="RelayRequest.ProviderHeaders"/>), or null.</param>
    /// <param name="contentType">The body's media type, or <see langword="null"/> for <c>application/json</c> (a multipart upload names its boundary).</param>
    /// <param name="streamed">A body sent as a stream instead of <paramref name="body"/> (a multipart upload, its own <c>Content-Type</c> set), or <see langword="null"/>.</param>
    /// <returns>The answer, headers read: the caller disposes it.</returns>
    /// <exception cref="HttpRequestException">The upstream could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<HttpResponseMessage> SendAsync(ChannelEntry channel, int keyIndex, RelayOperation operation, string upstreamModel, ReadOnlyMemory<byte> body, bool stream, CancellationToken cancellationToken, IReadOnlyList<KeyValuePair<string, string>>? headers = null, string? contentType = null, HttpContent? streamed = null)
    {
        var adapter = channel.Adapter;
        var message = new HttpRequestMessage(operation == RelayOperation.ListModels ? HttpMethod.Get : HttpMethod.Post, adapter.BuildUri(channel, operation, upstreamModel, stream));
        if (streamed is not null)
        {
            message.Content = streamed; // Not recorded by a capture: an upload is not held in memory (issue #17).
        }
        else if (operation != RelayOperation.ListModels)
        {
            message.Content = new ReadOnlyMemoryContent(body);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType ?? "application/json");
        }

        if (stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

        if (headers is not null)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                message.Headers.TryAddWithoutValidation(headers[i].Key, headers[i].Value); // before Authenticate, which keeps what is set
            }
        }

        return Send(channel, keyIndex, message, body, cancellationToken);
    }

    /// <summary>Sends a GET outside the relay operations (a provider's own API, such as DeepSeek's balance) to an HTTP channel, with its credentials.</summary>
    /// <param name="channel">The channel (not a chat-client channel).</param>
    /// <param name="keyIndex">The key to authenticate with.</param>
    /// <param name="uri">The absolute URL; the caller derives it from the channel's base URL.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer, headers read: the caller disposes it.</returns>
    /// <exception cref="HttpRequestException">The upstream could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<HttpResponseMessage> GetAsync(ChannelEntry channel, int keyIndex, Uri uri, CancellationToken cancellationToken) =>
        Send(channel, keyIndex, new HttpRequestMessage(HttpMethod.Get, uri), default, cancellationToken);

    /// <summary>Opens a realtime WebSocket to <paramref name="channel"/> with its key at <paramref name="keyIndex"/>, over the same pooled handler and outbound address policy as every send.</summary>
    /// <param name="channel">The channel (an OpenAI or Azure one).</param>
    /// <param name="keyIndex">The key to authenticate with.</param>
    /// <param name="upstreamModel">The model (Azure: the deployment) as the upstream names it.</param>
    /// <param name="headers">The caller's headers to send on (<c>OpenAI-Beta</c>), or null.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The open socket: the caller disposes it.</returns>
    /// <remarks>
    /// The adapter builds the URL (<c>https</c> becomes <c>wss</c>) and the credentials, exactly as for an HTTP send. A refused
    /// upgrade throws <see cref="HttpRequestException"/> with the upstream's status, so the pipeline classifies it like an
    /// HTTP answer (5xx, 429, 401: next channel). Realtime frames are not recorded by <see cref="UpstreamCaptureLog"/>.
    /// </remarks>
    /// <exception cref="HttpRequestException">The upstream could not be reached or refused the upgrade (<see cref="HttpRequestException.StatusCode"/> set when it answered).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<WebSocket> ConnectWebSocketAsync(ChannelEntry channel, int keyIndex, string upstreamModel, IReadOnlyList<KeyValuePair<string, string>>? headers, CancellationToken cancellationToken)
    {
        var adapter = channel.Adapter;
        var uri = new UriBuilder(adapter.BuildUri(channel, RelayOperation.Realtime, upstreamModel, stream: true));
        uri.Scheme = uri.Scheme == Uri.UriSchemeHttps ? "wss" : uri.Scheme == Uri.UriSchemeHttp ? "ws" : uri.Scheme;
        uri.Port = uri.Uri.IsDefaultPort ? -1 : uri.Port;

        // The adapter authenticates a request message as for any send; its headers are what the handshake carries.
        using var credentials = new HttpRequestMessage(HttpMethod.Get, uri.Uri);
        if (headers is not null)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                credentials.Headers.TryAddWithoutValidation(headers[i].Key, headers[i].Value);
            }
        }

        adapter.Authenticate(credentials, channel.KeyAt(channel.KeyCount == 0 ? 0 : keyIndex));
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var header in credentials.Headers)
        {
            socket.Options.SetRequestHeader(header.Key, string.Join(", ", header.Value));
        }

        try
        {
            await socket.ConnectAsync(uri.Uri, upstream.Invoker, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HttpRequestException(
                status == 0 ? ex.Message : $"The upstream refused the realtime upgrade with {(int)status}.",
                ex,
                status == 0 ? null : status);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Task<HttpResponseMessage> Send(ChannelEntry channel, int keyIndex, HttpRequestMessage message, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var adapter = channel.Adapter;
        var key = channel.KeyAt(channel.KeyCount == 0 ? 0 : keyIndex);
        adapter.Authenticate(message, key);
        UpstreamInvoker.SetConnectTimeout(message, channel);

        // The capture seam (issue #15): off, it costs this one read; on, the exchange is recorded as the caller reads it.
        var recording = captures.IsEnabled ? captures.Begin(channel.Id, channel.Name, key, message, body) : null;

        // The message is not disposed here: the answer's content may still be reading from its connection.
        var send = adapter is ChatClientAdapter
            ? chatClients.SendAsync(message, cancellationToken)
            : upstream.Invoker.SendAsync(message, cancellationToken);
        return recording is null ? send : recording.TrackAsync(send);
    }

    /// <summary>Asks a chat-client channel's keyed <see cref="IChatClient"/> for a whole answer, in process.</summary>
    /// <exception cref="RelayChatClientException">No client is registered under the channel's key (status 502, <c>chat_client_missing</c>).</exception>
    public Task<ChatResponse> GetChatResponseAsync(ChannelEntry channel, IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken) =>
        ChatClientOf(channel).GetResponseAsync(messages, options, cancellationToken);

    /// <summary>Opens a stream from a chat-client channel's keyed <see cref="IChatClient"/>, in process.</summary>
    /// <exception cref="RelayChatClientException">No client is registered under the channel's key (status 502, <c>chat_client_missing</c>).</exception>
    public IAsyncEnumerator<ChatResponseUpdate> GetChatStream(ChannelEntry channel, IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken) =>
        ChatClientOf(channel).GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);

    private IChatClient ChatClientOf(ChannelEntry channel)
    {
        var key = ChatClientAdapter.KeyOf(channel.BaseUrl);
        return services.GetKeyedService<IChatClient>(key)
            ?? throw new RelayChatClientException(502, "chat_client_missing", $"No IChatClient is registered with the key '{key}'.");
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Client;

/// <summary>Answers an HTTP request built for a <c>chat-client</c> channel by calling the keyed <see cref="IChatClient"/> in process.</summary>
/// <remarks>
/// <code>
/// HttpRequestMessage (chatclient://local/{key}/chat/completions, OpenAI Chat body)
///   ─► keyed IChatClient ─► HttpResponseMessage: 200 application/json (chat.completion)
///                                              or 200 text/event-stream (chat.completion.chunk events, a usage chunk, [DONE])
///   failures: 4xx/5xx with an OpenAI error body, so the relay's classifier decides on failover as for any upstream
/// </code>
/// A drop-in for <c>UpstreamInvoker.Invoker.SendAsync</c> when <c>channel.Adapter is ChatClientAdapter</c>. Errors of a
/// stream after its first update surface as <see cref="IOException"/> from the body stream. Thread-safe.
/// </remarks>
internal sealed class ChatClientChannelInvoker(IServiceProvider services, TimeProvider time)
{
    /// <summary>Sends <paramref name="request"/> to the channel's <see cref="IChatClient"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = ChatClientAdapter.KeyOf(request.RequestUri);
        if (key is null || services.GetKeyedService<IChatClient>(key) is not { } client)
        {
            return Error(HttpStatusCode.BadGateway, $"No IChatClient is registered with the key '{key}'.", "chat_client_missing");
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var parsed = WireJson.Deserialize(body, WireJson.Context.ChatCompletionRequest);
        if (!parsed.IsSuccess)
        {
            return Error(HttpStatusCode.BadRequest, parsed.Error.Message, "invalid_request");
        }

        var (messages, options) = OpenAIChatRequestMapper.FromOpenAIRequest(parsed.Value);
        var model = parsed.Value.Model ?? "";
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (parsed.Value.Stream != true)
        {
            ChatResponse answer;
            try
            {
                answer = await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // Whatever the client throws becomes an upstream error answer.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return ErrorFrom(ex);
            }

            var json = WireJson.Serialize(OpenAIChatResponseMapper.ToOpenAIResponse(answer, model, created), WireJson.Context.ChatCompletionResponse);
            var content = new ByteArrayContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
        }

        var updates = client.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool any;
        try
        {
            any = await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            throw;
        }
#pragma warning disable CA1031 // Before the first update, a failure is an error answer the relay can fail over from.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            return ErrorFrom(ex);
        }

        var stream = new StreamContent(new ChatClientSseStream(updates, any, model, created));
        stream.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = stream, RequestMessage = request };
    }

    private static HttpResponseMessage ErrorFrom(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } => Error(status, ex.Message, null),
        RelayChatClientException { StatusCode: > 0 } relay => Error((HttpStatusCode)relay.StatusCode, relay.Message, relay.ErrorCode),
        OperationCanceledException => Error(HttpStatusCode.GatewayTimeout, "The chat client did not answer in time.", "upstream_timeout"),
        _ => Error(HttpStatusCode.BadGateway, $"The chat client failed: {ex.Message}", "server_error"),
    };

    private static HttpResponseMessage Error(HttpStatusCode status, string message, string? code)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", (int)status >= 500 ? "server_error" : "invalid_request_error");
            if (code is null)
            {
                writer.WriteNull("code");
            }
            else
            {
                writer.WriteString("code", code);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpResponseMessage(status) { Content = content };
    }
}

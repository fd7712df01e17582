using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Configuration;
using LlmRelay.Pipeline;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Serves the Responses API over WebSocket on <c>GET /v1/responses</c>: the transport Codex CLI tries before HTTP (issue #16).</summary>
/// <remarks>
/// <code>
/// GET /v1/responses (Upgrade: websocket) ─► WebSocketMiddleware (ASP.NET Core's, run here: the host need not call UseWebSockets)
///   ─► gateway key (GatewayKeyGate: a refused key is the HTTP route's 401/403/429, before any upgrade) ─► 101
///   ─► ResponsesSocketSession: each response.create ─► RelayPipeline, as POST /v1/responses with stream:true
///                             each SSE event of the answer ─► one text message
/// </code>
/// Without an upgrade the route answers 426 Upgrade Required, which Codex takes as "use HTTP" at once. Thread-safe: one
/// instance serves every socket; each socket gets its own session.
/// </remarks>
internal sealed class ResponsesSocketEndpoint
{
    private readonly GatewayKeyGate _gateway;
    private readonly WebSocketMiddleware _upgrade;

    public ResponsesSocketEndpoint(
        GatewayKeyGate gateway,
        TokenCache tokens,
        RelayPipeline pipeline,
        ModelResolver models,
        LlmRelay.AspNetCore.Scaling.Responses.IResponseStorage responses,
        IOptions<LlmRelayOptions> options,
        TimeProvider time,
        IOptions<WebSocketOptions> socketOptions,
        ILoggerFactory loggerFactory)
    {
        _gateway = gateway;
        Tokens = tokens;
        Pipeline = pipeline;
        Models = models;
        Responses = responses;
        Options = options.Value;
        Time = time;
        // The host's WebSocketOptions (services.AddWebSockets(...)) apply: keep-alive interval, allowed origins.
        _upgrade = new WebSocketMiddleware(AcceptAsync, socketOptions, loggerFactory);
    }

    internal TokenCache Tokens { get; }

    internal RelayPipeline Pipeline { get; }

    internal ModelResolver Models { get; }

    /// <summary>Gets the response store, where every answered turn is kept for <c>previous_response_id</c> (issue #16).</summary>
    internal LlmRelay.AspNetCore.Scaling.Responses.IResponseStorage Responses { get; }

    internal LlmRelayOptions Options { get; }

    internal TimeProvider Time { get; }

    /// <summary>Adds the WebSocket feature for this request (when the host's pipeline has not), then accepts or refuses the upgrade.</summary>
    public Task HandleAsync(HttpContext context) => _upgrade.Invoke(context);

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await RelayErrorWriter.OpenAI.WriteAsync(context, StatusCodes.Status426UpgradeRequired, RelayErrorKind.InvalidRequest, "GET /v1/responses opens the Responses API's WebSocket; send POST /v1/responses for HTTP.", "upgrade_required").ConfigureAwait(false);
            return;
        }

        var token = await _gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var key = GatewayKeyReader.Read(context.Request)!;
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        using var session = new ResponsesSocketSession(this, context, socket, key);
        await session.RunAsync().ConfigureAwait(false);
    }
}

using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Configuration;
using LlmRelay.Pipeline;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Serves the OpenAI Realtime API on <c>GET /v1/realtime?model=…</c>: the caller's WebSocket proxied to an OpenAI or Azure realtime upstream, both ways (issue #17).</summary>
/// <remarks>
/// <code>
/// GET /v1/realtime?model=M (Upgrade: websocket)
///   ─► gateway key: Authorization, ?key=, or the subprotocol openai-insecure-api-key.KEY (refused: 401/403/429, no upgrade)
///   ─► RelayPipeline.BeginAsync: model allowed, one response's quota reserved (refused: 403/429, no upgrade)
///   ─► NextAttemptAsync: channel + key selected, concurrency slot, UpstreamSender opens the upstream socket
///        (wss://…/v1/realtime?model=…, or Azure's /openai/realtime?api-version=…&amp;deployment=…); a refused upgrade
///        (5xx, 429, 401) fails over to the next channel; none left: 502/503/504 in the OpenAI shape, no upgrade
///   ─► 101 to the caller ─► RealtimeSession: frames copied both ways as they arrive; each response.done billed
/// </code>
/// Without an upgrade the route answers 426. Thread-safe: one instance serves every socket; each socket gets its own session.
/// </remarks>
internal sealed class RealtimeEndpoint
{
    /// <summary>The subprotocol a browser offers (with the key and beta ones) and the server selects.</summary>
    internal const string Subprotocol = "realtime";

    private const string BetaSubprotocol = "openai-beta.realtime-v1";

    private readonly GatewayKeyGate _gateway;
    private readonly WebSocketMiddleware _upgrade;

    public RealtimeEndpoint(
        GatewayKeyGate gateway,
        TokenCache tokens,
        RelayPipeline pipeline,
        ModelResolver models,
        TimeProvider time,
        IOptions<WebSocketOptions> socketOptions,
        ILoggerFactory loggerFactory)
    {
        _gateway = gateway;
        Tokens = tokens;
        Pipeline = pipeline;
        Models = models;
        Time = time;
        // The host's WebSocketOptions (services.AddWebSockets(...)) apply: keep-alive interval, allowed origins.
        _upgrade = new WebSocketMiddleware(AcceptAsync, socketOptions, loggerFactory);
    }

    internal TokenCache Tokens { get; }

    internal RelayPipeline Pipeline { get; }

    internal ModelResolver Models { get; }

    internal TimeProvider Time { get; }

    /// <summary>Adds the WebSocket feature for this request (when the host's pipeline has not), then opens the session or refuses it.</summary>
    public Task HandleAsync(HttpContext context) => _upgrade.Invoke(context);

    private async Task AcceptAsync(HttpContext context)
    {
        var errors = RelayErrorWriter.OpenAI;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await errors.WriteAsync(context, StatusCodes.Status426UpgradeRequired, RelayErrorKind.InvalidRequest, "GET /v1/realtime opens a Realtime API WebSocket; connect with a WebSocket client.", "upgrade_required").ConfigureAwait(false);
            return;
        }

        var started = Time.GetTimestamp();
        var token = await _gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var query = context.Request.Query;
        var model = FirstOf(query["model"]) ?? FirstOf(query["deployment"]);
        if (model is null)
        {
            await errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, "You must provide a model parameter: GET /v1/realtime?model=….", "missing_model", "model").ConfigureAwait(false);
            return;
        }

        var relayRequest = new RelayRequest
        {
            Token = token,
            Group = token.Group,
            Operation = RelayOperation.Realtime,
            CallerFormat = LlmRelay.Formats.WireFormat.OpenAIChat,
            RequestedModel = model,
            RoutingModel = Models.Resolve(token.Group, model),
            Stream = true,
            Content = RealtimeContent.Instance,
            // A session reserves one response at a time: no prompt is known up front, the default output allowance is reserved.
            EstimatedPromptTokens = 0,
            Ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
            RequestId = context.TraceIdentifier,
            ProviderHeaders = BetaHeader(context.Request),
        };
        using var call = await Pipeline.BeginAsync(relayRequest, started, context.RequestAborted).ConfigureAwait(false);
        if (call.Refused)
        {
            await WriteErrorAsync(context, call.Error!).ConfigureAwait(false);
            return;
        }

        RelayAttempt? attempt;
        try
        {
            attempt = await call.NextAttemptAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The client left during the handshake; the row says 499.
        }

        if (attempt is null)
        {
            await WriteErrorAsync(context, call.Error!).ConfigureAwait(false);
            return;
        }

        using (attempt)
        {
            var offered = context.WebSockets.WebSocketRequestedProtocols;
            var accept = new WebSocketAcceptContext { SubProtocol = offered.Contains(Subprotocol) ? Subprotocol : null };
            using var socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
            call.MarkFirstByte();
            using var session = new RealtimeSession(this, context, socket, attempt, call, GatewayKeyReader.Read(context.Request)!);
            var reason = await session.RunAsync().ConfigureAwait(false);
            call.EndSession(reason);
        }
    }

    private static Task WriteErrorAsync(HttpContext context, RelayError error)
    {
        if (error.Status == 499)
        {
            return Task.CompletedTask;
        }

        if (error.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return RelayErrorWriter.OpenAI.WriteAsync(context, error.Status, error.Kind, error.Message, error.Code, error.Param);
    }

    private static string? FirstOf(StringValues values) => StringValues.IsNullOrEmpty(values) || string.IsNullOrWhiteSpace(values[0]) ? null : values[0]!.Trim();

    // The beta interface is the caller's choice: its OpenAI-Beta header, or the subprotocol a browser sends instead.
    private static IReadOnlyList<KeyValuePair<string, string>> BetaHeader(HttpRequest request)
    {
        if (request.Headers.TryGetValue("OpenAI-Beta", out var beta) && !StringValues.IsNullOrEmpty(beta))
        {
            return [new("OpenAI-Beta", beta.ToString())];
        }

        return request.HttpContext.WebSockets.WebSocketRequestedProtocols.Contains(BetaSubprotocol) ? [new("OpenAI-Beta", "realtime=v1")] : [];
    }
}

using System.Buffers;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.AspNetCore.Scaling.Responses;
using LlmRelay.Client;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pipeline;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Responses;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Relays one call of any <see cref="InboundRoute"/> to any channel, converting formats where they differ.</summary>
/// <remarks>
/// <code>
/// key ─► token (GatewayKeyGate, cached) ─► body (pooled) ─► validate/sniff ─► RelayRequest (CallerBody: pass through, patch or convert)
///   ─► RelayPipeline: allow-list, reservation, selection, send, failover (see RelayPipeline)
///   ─► RelayAttempt: answer copied through (usage sniffed) or converted (usage read by the converter), or streamed
///   ─► RelayCall disposed: usage log row queued (quota charged with it)
/// </code>
/// Failover happens only before the response starts; after that an upstream failure becomes an error
/// event in the caller's stream format. The caller's cancellation cancels the upstream call.
/// </remarks>
internal sealed partial class RelayEndpoint(
    GatewayKeyGate gateway,
    RelayPipeline pipeline,
    IResponseStorage responses,
    ModelResolver models,
    IOptions<LlmRelayOptions> options,
    TimeProvider time)
{
    private const int StreamBufferSize = 64 * 1024;

    /// <summary>The response header naming the call's <see cref="UsageLog.RequestId"/>.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    private readonly LlmRelayOptions _options = options.Value;

    public Task HandleAsync(HttpContext context, InboundRoute route) => HandleAsync(context, route, null, null);

    public async Task HandleAsync(HttpContext context, InboundRoute route, string? urlModel, bool? urlStream)
    {
        var started = time.GetTimestamp();
        var errors = route.Errors;
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        using var body = new PooledBufferWriter();
        if (!await BodyReader.ReadRequestAsync(context, body, _options.MaxRequestBodySize).ConfigureAwait(false))
        {
            await errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", "request_too_large").ConfigureAwait(false);
            return;
        }

        var error = OpenAIChatRequestReader.TryRead(body.WrittenSpan, route.Shape, out var request);
        if (error is null && urlModel is null && request.Model.Length == 0)
        {
            error = new FormatError(FormatErrorKind.InvalidShape, "you must provide a model parameter", "model");
        }

        if (error is not null)
        {
            await errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, error.Message, error.Kind == FormatErrorKind.InvalidJson ? "invalid_json" : null, error.Code).ConfigureAwait(false);
            return;
        }

        // request.Model stays what the body says (the patcher compares against it); routing uses the URL's model and aliases.
        var requestedModel = urlModel ?? request.Model;
        var routingModel = models.Resolve(token.Group, requestedModel);

        if (urlStream is { } stream)
        {
            request.Stream = stream;
        }

        ResponsesChain? chain = null;
        if (route.Operation is RelayOperation.Responses or RelayOperation.ResponsesCompact)
        {
            // Compaction answers one JSON object (Codex reads it whole); the body passes through as it came.
            request.Stream &= route.Operation == RelayOperation.Responses;
            var (previous, unavailable) = await ResponsesChain.FindPreviousAsync(responses, request.PreviousResponseId, token.Id, context.RequestAborted).ConfigureAwait(false);
            if ((unavailable ?? ResponsesChain.TryOpen(body.WrittenSpan, request.PreviousResponseId, previous, _options.MaxRequestBodySize, out chain)) is { } refused)
            {
                await WriteErrorAsync(context, route, refused).ConfigureAwait(false);
                return;
            }
        }

        using var chainScope = chain;
        using var content = new CallerBody(route, body, request, _options.AnthropicDefaultMaxTokens) { Chain = chain };
        var relayRequest = new RelayRequest
        {
            Token = token,
            Group = token.Group,
            Operation = route.Operation,
            CallerFormat = route.Format,
            RequestedModel = requestedModel,
            RoutingModel = routingModel,
            Stream = request.Stream,
            Content = content,
            EstimatedPromptTokens = ITokenCounter.EstimateFromBytes(body.WrittenCount),
            MaxOutputTokens = request.MaxTokens,
            Ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
            RequestId = context.TraceIdentifier,
            ProviderHeaders = ProviderHeaderReader.Read(context.Request.Headers, route.Format),
            SessionId = SessionIdReader.Read(context.Request.Headers, request),
            PreviousResponseId = request.PreviousResponseId,
        };
        // The id of the call's usage-log row, so a caller (the dashboard's playground, issue #15) can find what it was charged.
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        using var call = await pipeline.BeginAsync(relayRequest, started, context.RequestAborted).ConfigureAwait(false);
        if (call.Refused)
        {
            await WriteErrorAsync(context, route, call.Error!).ConfigureAwait(false);
            return;
        }

        await RelayAsync(context, route, call, request, content).ConfigureAwait(false);
    }

    // Attempts until a channel answers, then renders its answer; or renders why none did, in the caller's shape.
    private async Task RelayAsync(HttpContext context, InboundRoute route, RelayCall call, OpenAIChatRequestInfo request, CallerBody content)
    {
        RelayAttempt? attempt;
        try
        {
            attempt = await call.NextAttemptAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The caller left; the row says 499.
        }

        if (attempt is null)
        {
            await WriteErrorAsync(context, route, call.Error!).ConfigureAwait(false);
            return;
        }

        using (attempt)
        {
            var response = attempt.Response!;
            var isEventStream = response.Content.Headers.ContentType?.MediaType is "text/event-stream";

            // The tool-call sieve (issue #16): only for a channel configured for it, and only when the request declares tools.
            var sieve = attempt.ToolCallSieve ? content.Sieve : null;
            if (call.Request.Stream && (isEventStream || !attempt.Plan.PassThrough))
            {
                await StreamAsync(context, route, call, attempt, request, sieve, content.Chain).ConfigureAwait(false);

                // The stream's end (the chunked terminator, written when this returns) waits for the row when
                // LlmRelay:Quota:HoldAnswerUntilLogged is on (issue #18); otherwise this does nothing.
                await call.FinishStoredAsync(context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await CopyBodyAsync(context, route, call, attempt, sieve, content.Chain).ConfigureAwait(false);
            }
        }
    }

    private static Task WriteErrorAsync(HttpContext context, InboundRoute route, RelayError error)
    {
        if (error.Status == 499)
        {
            return Task.CompletedTask;
        }

        if (error.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return route.Errors.WriteAsync(context, error.Status, error.Kind, error.Message, error.Code, error.Param);
    }

}

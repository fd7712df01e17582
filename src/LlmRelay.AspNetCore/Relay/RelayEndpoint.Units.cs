using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Units;
using LlmRelay.Formats;
using LlmRelay.Pipeline;
using LlmRelay.Providers;
using LlmRelay.Tokenization;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Images, moderations, rerank and audio: the same pipeline (selection, failover, reservation, usage row), billed by their own units (issue #17).</summary>
/// <remarks>
/// <code>
/// key ─► content type (JSON, or multipart for images/edits and audio/transcriptions|translations: else 415)
///   ─► JSON body (pooled; 413 over MaxRequestBodySize) ─► UnitRequestReader.ReadJson
///   ─► upload (413 unread when Content-Length is over MaxRequestBodySize) ─► UnitRequestReader.ReadMultipartAsync: sections
///      buffered as they arrive (FileBufferingReadStream: 64 KiB in memory, then a temporary file; 413 over MaxUploadFileSize)
///   ─► required fields, n, size, quality ─► RelayRequest (unit, units, variant)
///   ─► RelayPipeline: reservation at the unit price, selection, send (an upload streamed from its sections), failover
///   ─► answer: passed through (UnitAnswer counts images / search units), or a Gemini answer converted (GeminiImages)
///   ─► RelayCall.BillUnits: the usage row carries the unit, the count, the variant and the unit price
/// </code>
/// Only speech streams (its audio, copied as it arrives: RelayEndpoint.Audio.cs; a Gemini channel's answer is read whole and its
/// PCM decoded: RelayEndpoint.GeminiSpeech.cs); a caller asking any other route for a
/// stream gets a 400 before anything is reserved.
/// </remarks>
internal sealed partial class RelayEndpoint
{
    public async Task HandleUnitsAsync(HttpContext context, InboundRoute route)
    {
        var started = time.GetTimestamp();
        var errors = route.Errors;
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var multipart = UnitRequest.IsMultipartOperation(route.Operation);
        var contentType = context.Request.ContentType;
        if (multipart ? contentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true : contentType is not null && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            var expected = multipart ? "multipart/form-data" : "application/json";
            await errors.WriteAsync(context, 415, RelayErrorKind.InvalidRequest, $"The request body must be {expected}, not '{contentType ?? "none"}'.", "unsupported_media_type").ConfigureAwait(false);
            return;
        }

        using var body = new PooledBufferWriter(multipart ? 0 : 4096);
        UnitRequest request;
        FormatError? error;
        if (multipart)
        {
            // An upload is read as it arrives, each section buffered (64 KiB in memory, the rest in a temporary file deleted
            // with the response), never whole in memory; a body announced over the limit is refused unread (issue #17).
            if (context.Request.ContentLength > _options.MaxRequestBodySize)
            {
                await errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", "request_too_large").ConfigureAwait(false);
                return;
            }

            RequestBodyLimit.Apply(context, _options.MaxRequestBodySize);
            request = new UnitRequest(route.Operation);
            (error, var tooLarge) = await UnitRequestReader.ReadMultipartAsync(context.Request.Body, contentType!, _options.MaxUploadFileSize, request, context.Response.RegisterForDispose, context.RequestAborted).ConfigureAwait(false);
            if (tooLarge)
            {
                var code = error!.Code is null ? "request_too_large" : "file_too_large";
                await errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, error.Message, code, error.Code).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            if (!await BodyReader.ReadRequestAsync(context, body, _options.MaxRequestBodySize).ConfigureAwait(false))
            {
                await errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", "request_too_large").ConfigureAwait(false);
                return;
            }

            error = UnitRequestReader.ReadJson(route.Operation, body.WrittenSpan, out request);
        }

        if (error is not null)
        {
            await errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, error.Message, error.Kind == FormatErrorKind.InvalidJson ? "invalid_json" : null, error.Code).ConfigureAwait(false);
            return;
        }

        var requestedModel = request.Model.Length > 0 ? request.Model : request.DefaultModel;
        using var content = new UnitCallerBody(body, request, multipart ? contentType : null);
        var relayRequest = new RelayRequest
        {
            Token = token,
            Group = token.Group,
            Operation = route.Operation,
            CallerFormat = route.Format,
            RequestedModel = requestedModel,
            RoutingModel = models.Resolve(token.Group, requestedModel),
            Stream = false,
            Content = content,
            // The text asked about, not the upload's files: they are priced per image, never as text.
            EstimatedPromptTokens = ITokenCounter.EstimateFromBytes(multipart ? System.Text.Encoding.UTF8.GetByteCount(request.Prompt) : body.WrittenCount),
            Ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
            RequestId = context.TraceIdentifier,
            ContentType = multipart ? contentType : null,
            Unit = request.Unit,
            EstimatedUnits = request.EstimatedUnits,
            UnitVariant = request.Variant,
        };
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        using var call = await pipeline.BeginAsync(relayRequest, started, context.RequestAborted).ConfigureAwait(false);
        if (call.Refused)
        {
            await WriteErrorAsync(context, route, call.Error!).ConfigureAwait(false);
            return;
        }

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
            if (route.Operation == RelayOperation.AudioSpeech)
            {
                await (attempt.Plan.PassThrough ? StreamSpeechAsync(context, route, call, attempt, request) : SpeakFromGeminiAsync(context, route, call, attempt, request)).ConfigureAwait(false);
                return;
            }

            await CopyUnitsAsync(context, route, call, attempt, request).ConfigureAwait(false);
        }
    }

    private async Task CopyUnitsAsync(HttpContext context, InboundRoute route, RelayCall call, RelayAttempt attempt, UnitRequest request)
    {
        using var buffer = new PooledBufferWriter();
        if (!await ReadAnswerAsync(context, route, call, attempt, buffer).ConfigureAwait(false))
        {
            return;
        }

        ReadOnlyMemory<byte> answer = buffer.WrittenMemory;
        using var converted = new PooledBufferWriter(0);
        string? contentType;
        if (attempt.Plan.PassThrough)
        {
            var units = UnitAnswer.Read(request, answer.Span, out var usage, out var unitsEstimated);
            call.BillUnits(attempt, request.Unit, units, request.Variant, usage, answer.Span, unitsEstimated);
            contentType = attempt.Response!.Content.Headers.ContentType?.ToString();
        }
        else
        {
            int images;
            Formats.TokenUsage usage;
            try
            {
                images = GeminiImages.FromGenerateContent(answer.Span, time.GetUtcNow().ToUnixTimeSeconds(), converted, out usage);
            }
            catch (System.Text.Json.JsonException)
            {
                images = 0;
                usage = default;
            }

            if (images == 0)
            {
                // The model answered without an image (a refusal, a safety block): the caller gets nothing usable, nothing is billed.
                call.Void();
                await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, "The upstream answered without an image.", "upstream_invalid_response")).ConfigureAwait(false);
                return;
            }

            call.BillUnits(attempt, request.Unit, images, request.Variant, usage, answer.Span);
            answer = converted.WrittenMemory;
            contentType = null;
        }

        var status = (int)attempt.Response!.StatusCode;
        call.MarkAnswered(status);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType ?? "application/json";
        context.Response.ContentLength = answer.Length;
        try
        {
            await context.Response.BodyWriter.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Delivered output is billed; the caller left while it was written.
        }
    }
}

using System.Text.Json;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Pipeline;
using LlmRelay.Tokenization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Answers Anthropic's <c>POST .../messages/count_tokens</c> by counting locally: never executed upstream, never billed.</summary>
/// <remarks>
/// Counting is CPU work on the request's thread, bounded three ways: the counter keeps BPE linear (<see cref="TextSegments"/>),
/// bodies over <c>SharpTokenCounter.MaxCountedBytes</c> (8 MiB) get the byte estimate, and a count still running after
/// <see cref="CountDeadline"/> is abandoned for the byte estimate too. (Moving the count to another pool thread would not
/// bound the CPU it takes; the deadline does.)
/// </remarks>
internal sealed class CountTokensEndpoint(GatewayKeyGate gateway, ITokenCounter counter, IOptions<LlmRelayOptions> options, TimeProvider time)
{
    /// <summary>How long one count may run before the answer falls back to <see cref="ITokenCounter.EstimateFromBytes"/>.</summary>
    /// <remarks>
    /// Generous on purpose: the largest body that is counted (<c>SharpTokenCounter.MaxCountedBytes</c> (8 MiB)) takes about a
    /// second on an idle core, and the first count of a process also loads the encoding; a loaded machine must not turn
    /// ordinary counts into estimates. It bounds the hostile case, not the ordinary one.
    /// </remarks>
    internal static readonly TimeSpan CountDeadline = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(HttpContext context)
    {
        var errors = RelayErrorWriter.Anthropic;
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var limit = options.Value.MaxRequestBodySize;
        using var body = new PooledBufferWriter();
        if (!await BodyReader.ReadRequestAsync(context, body, limit).ConfigureAwait(false))
        {
            await errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {limit} bytes.").ConfigureAwait(false);
            return;
        }

        var error = OpenAIChatRequestReader.TryRead(body.WrittenSpan, RequestShape.AnthropicCountTokens, out var request);
        if (error is not null)
        {
            await errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, error.Kind == FormatErrorKind.InvalidJson ? error.Message : $"{error.Code}: {error.Message}").ConfigureAwait(false);
            return;
        }

        if (!token.AllowsModel(request.Model))
        {
            await errors.WriteAsync(context, 403, RelayErrorKind.Permission, $"This API key may not use the model '{request.Model}'.").ConfigureAwait(false);
            return;
        }

        int count;
        using (var deadline = new CancellationTokenSource(CountDeadline, time))
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted))
        {
            if (!counter.TryCountRequest(request.Model, body.WrittenSpan, cancel.Token, out count))
            {
                count = ITokenCounter.EstimateFromBytes(body.WrittenCount);
            }
        }

        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteNumber("input_tokens"u8, count);
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}

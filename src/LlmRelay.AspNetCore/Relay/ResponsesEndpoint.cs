using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using LlmRelay.AspNetCore.Scaling.Responses;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Answers <c>GET /v1/responses/{id}</c> from the response store, only for the key that created the response.</summary>
internal sealed class ResponsesEndpoint(GatewayKeyGate gateway, IResponseStorage store)
{
    public async Task GetAsync(HttpContext context, string id)
    {
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        ReadOnlyMemory<byte>? stored;
        try
        {
            stored = await store.GetAsync(id, token.Id, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ResponseStoreUnavailableException)
        {
            var error = ResponseStoreUnavailableException.Error;
            await RelayErrorWriter.OpenAI.WriteAsync(context, error.Status, error.Kind, error.Message, error.Code).ConfigureAwait(false);
            return;
        }

        if (stored is not { } body)
        {
            // Another key's response reads exactly like a missing one.
            await RelayErrorWriter.OpenAI.WriteAsync(context, 404, RelayErrorKind.NotFound, $"No response found with id '{id}'.", null, "response_id").ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.BodyWriter.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}

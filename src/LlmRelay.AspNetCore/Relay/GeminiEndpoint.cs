using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Routes <c>POST /v1beta/models/{model}:{action}</c>, where the model and the streaming flag live in the URL.</summary>
internal sealed class GeminiEndpoint(RelayEndpoint relay)
{
    public Task HandleAsync(HttpContext context, string modelAction)
    {
        var colon = modelAction.LastIndexOf(':');
        if (colon <= 0)
        {
            return RelayErrorWriter.Gemini.WriteAsync(context, 404, RelayErrorKind.NotFound, $"Unknown method '{modelAction}'. Use {{model}}:generateContent or {{model}}:streamGenerateContent.");
        }

        var model = modelAction[..colon];
        return modelAction[(colon + 1)..] switch
        {
            "generateContent" => relay.HandleAsync(context, InboundRoute.Gemini, model, false),
            // Like Google: alt=sse streams server-sent events; without it (or alt=json) the stream is one JSON array.
            "streamGenerateContent" => relay.HandleAsync(context, IsSse(context) ? InboundRoute.Gemini : InboundRoute.GeminiJsonArray, model, true),
            var action => RelayErrorWriter.Gemini.WriteAsync(context, 404, RelayErrorKind.NotFound, $"The method '{action}' is not supported; LlmRelay serves generateContent and streamGenerateContent."),
        };
    }

    private static bool IsSse(HttpContext context) =>
        string.Equals(context.Request.Query["alt"].ToString(), "sse", StringComparison.OrdinalIgnoreCase);
}

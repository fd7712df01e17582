using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>The five <c>/v1/files</c> routes: authenticated, then answered 501 <c>api_not_implemented</c> in the OpenAI shape, as the spec documents (issue #17).</summary>
/// <remarks>
/// The gateway stores no files: an upload would have to live with one upstream account while later calls may be served by
/// another. A route that exists says so honestly rather than 404. Nothing is reserved, sent or logged. Thread-safe.
/// </remarks>
internal sealed class FilesEndpoint(GatewayKeyGate gateway)
{
    /// <summary>The message of the 501 answer.</summary>
    public const string Message = "API not implemented: this gateway does not store files (/v1/files).";

    public async Task HandleAsync(HttpContext context)
    {
        if (await gateway.AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            return;
        }

        await RelayErrorWriter.OpenAI.WriteAsync(context, StatusCodes.Status501NotImplemented, RelayErrorKind.InvalidRequest, Message, "api_not_implemented").ConfigureAwait(false);
    }
}

using LlmRelay.AspNetCore.Internal;
using LlmRelay.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Bounds the request bodies of a management route group and answers a body over the limit with 413 in the group's shape.</summary>
/// <remarks>
/// Sets the server's per-request limit to <see cref="LlmRelayOptions.MaxManagementRequestBodySize"/> before anything reads
/// the body, so chunked bodies are cut off while they arrive, and turns the resulting <see cref="BadHttpRequestException"/>
/// (from the server or from <see cref="JsonBody"/>) into <paramref name="tooLarge"/>'s answer instead of an unhandled exception.
/// </remarks>
internal sealed class BodyLimitFilter(Func<string, IResult> tooLarge) : IEndpointFilter
{
    /// <summary>The filter for <c>/api</c>: <c>{"success":false,"message":...}</c>.</summary>
    public static readonly BodyLimitFilter Api = new(static message => ApiResult.Fail(message, StatusCodes.Status413PayloadTooLarge));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limit = http.RequestServices.GetRequiredService<IOptions<LlmRelayOptions>>().Value.MaxManagementRequestBodySize;
        RequestBodyLimit.Apply(http, limit);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (RequestBodyLimit.IsTooLarge(e) && !http.Response.HasStarted)
        {
            return tooLarge(RequestBodyLimit.Message(limit));
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LlmRelay.AspNetCore.Internal;

/// <summary>Applies a route's own body limit to the server, so the server enforces it while the body is read, chunked or not.</summary>
/// <remarks>
/// Kestrel's <c>MaxRequestBodySize</c> (30,000,000 bytes by default) applies to every request; a route with a larger or
/// smaller limit sets <see cref="IHttpMaxRequestBodySizeFeature"/> before it reads, so the server's check and the route's
/// agree. A read past the limit throws <see cref="BadHttpRequestException"/> with status 413; <see cref="IsTooLarge"/>
/// recognizes it so the route answers in its own error shape rather than with an empty 413 and a logged exception.
/// </remarks>
internal static class RequestBodyLimit
{
    /// <summary>Sets the server's limit for this request to <paramref name="limit"/> bytes, unless reading has already begun.</summary>
    public static void Apply(HttpContext context, long limit)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
    }

    /// <summary>Returns whether <paramref name="exception"/> is the server refusing a body over the limit.</summary>
    public static bool IsTooLarge(Exception exception) => exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };

    /// <summary>Returns the exception a route's own reader throws for a body over <paramref name="limit"/>, the same kind the server throws.</summary>
    public static BadHttpRequestException TooLarge(long limit) => new(Message(limit), StatusCodes.Status413PayloadTooLarge);

    /// <summary>Returns the message that names the limit.</summary>
    public static string Message(long limit) => $"The request body is too large: the limit is {limit} bytes.";
}

using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Reads the gateway key from <c>Authorization: Bearer</c>, <c>x-api-key</c>, <c>x-goog-api-key</c> or <c>?key=</c>.</summary>
internal static class GatewayKeyReader
{
    public static string? Read(HttpRequest request)
    {
        var headers = request.Headers;
        var authorization = headers.Authorization;
        if (!StringValues.IsNullOrEmpty(authorization))
        {
            var value = authorization.ToString().AsSpan().Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                var key = value[7..].Trim();
                return key.IsEmpty ? null : key.ToString();
            }
        }

        if (headers.TryGetValue("x-api-key", out var apiKey) && !StringValues.IsNullOrEmpty(apiKey))
        {
            return apiKey.ToString().Trim();
        }

        if (headers.TryGetValue("x-goog-api-key", out var googKey) && !StringValues.IsNullOrEmpty(googKey))
        {
            return googKey.ToString().Trim();
        }

        return request.Query.TryGetValue("key", out var queryKey) && !StringValues.IsNullOrEmpty(queryKey) ? queryKey.ToString().Trim() : null;
    }
}

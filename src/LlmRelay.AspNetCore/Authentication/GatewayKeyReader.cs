using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Reads the gateway key from <c>Authorization: Bearer</c>, <c>x-api-key</c>, <c>x-goog-api-key</c>, <c>?key=</c> or the WebSocket subprotocol <c>openai-insecure-api-key.KEY</c>.</summary>
internal static class GatewayKeyReader
{
    /// <summary>The prefix of the WebSocket subprotocol that carries a key (<c>openai-insecure-api-key.sk-…</c>).</summary>
    internal const string InsecureKeyProtocol = "openai-insecure-api-key.";

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

        if (request.Query.TryGetValue("key", out var queryKey) && !StringValues.IsNullOrEmpty(queryKey))
        {
            return queryKey.ToString().Trim();
        }

        // A browser cannot set headers on a WebSocket: OpenAI's realtime clients offer the key as a subprotocol (issue #17).
        foreach (var offered in headers.SecWebSocketProtocol)
        {
            foreach (var part in (offered ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.StartsWith(InsecureKeyProtocol, StringComparison.Ordinal) && part.Length > InsecureKeyProtocol.Length)
                {
                    return part[InsecureKeyProtocol.Length..];
                }
            }
        }

        return null;
    }
}

using System.Net.Http.Headers;
using System.Text;

namespace LlmRelay.Diagnostics;

/// <summary>Takes credentials out of a recorded exchange: authentication headers, key query parameters, and the channel key wherever it appears.</summary>
internal static class UpstreamCaptureRedaction
{
    public const string Redacted = "[redacted]";

    private static readonly string[] SensitiveHeaderParts = ["auth", "api-key", "apikey", "api_key", "secret", "signature", "credential", "cookie", "password", "session"];

    private static readonly string[] SensitiveQueryNames = ["key", "api_key", "apikey", "api-key", "access_token", "token", "sig", "signature", "secret", "password", "auth", "code"];

    /// <summary>Whether a header carries credentials: <c>Authorization</c>, <c>x-api-key</c>, <c>x-goog-api-key</c>, <c>api-key</c>, cookies, anything named like a key, token, secret or signature.</summary>
    public static bool IsSensitiveHeader(string name)
    {
        foreach (var part in SensitiveHeaderParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return name.Equals("token", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("-key", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("-token", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("_key", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("_token", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSensitiveQueryName(string name)
    {
        var decoded = Uri.UnescapeDataString(name);
        foreach (var sensitive in SensitiveQueryNames)
        {
            if (decoded.Equals(sensitive, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return decoded.EndsWith("key", StringComparison.OrdinalIgnoreCase) || decoded.EndsWith("token", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The URL with the values of key-like query parameters (<c>key</c>, <c>api_key</c>, <c>access_token</c>, ...) and any user info replaced.</summary>
    public static string Url(Uri? uri, string key)
    {
        if (uri is null)
        {
            return "";
        }

        if (!uri.IsAbsoluteUri)
        {
            return Text(uri.OriginalString, key);
        }

        var builder = new StringBuilder();
        builder.Append(uri.Scheme).Append("://");
        if (uri.UserInfo.Length > 0)
        {
            builder.Append(Redacted).Append('@');
        }

        builder.Append(uri.Authority).Append(uri.AbsolutePath);
        var query = uri.Query;
        if (query.Length > 1)
        {
            var first = true;
            foreach (var pair in query[1..].Split('&'))
            {
                builder.Append(first ? '?' : '&');
                first = false;
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? pair : pair[..equals];
                builder.Append(equals >= 0 && IsSensitiveQueryName(name) ? name + "=" + Redacted : pair);
            }
        }

        return Text(builder.ToString(), key);
    }

    /// <summary>The headers as name/value pairs (several values joined with <c>", "</c>), sensitive ones redacted.</summary>
    public static KeyValuePair<string, string>[] Headers(HttpHeaders? first, HttpHeaders? second, string key)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var headers in (ReadOnlySpan<HttpHeaders?>)[first, second])
        {
            if (headers is null)
            {
                continue;
            }

            foreach (var (name, values) in headers.NonValidated)
            {
                var value = IsSensitiveHeader(name) ? Redacted : Text(string.Join(", ", values), key);
                list.Add(new(name, value));
            }
        }

        return [.. list];
    }

    /// <summary>The text with every occurrence of the channel key replaced (a key a provider echoes, or one an adapter puts into a body).</summary>
    public static string Text(string text, string key) =>
        key.Length >= 4 && text.Contains(key, StringComparison.Ordinal) ? text.Replace(key, Redacted, StringComparison.Ordinal) : text;
}

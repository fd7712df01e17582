using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Calls the management API (<c>/api/...</c>) in-process, as the visitor: the request carries the visitor's cookies and address.</summary>
/// <remarks>
/// The call runs the route's own request delegate, with its endpoint filters (sign-in and role checks) and its
/// validation, on a fresh <see cref="HttpContext"/> in the visitor's request scope; nothing is read or written
/// around the API. Cookies the API sets (sign-in, sign-out) are copied to the visitor's response.
/// </remarks>
internal sealed class ManagementApiClient(HttpContext outer, DashboardEndpointCatalog catalog)
{
    private string? _cookieOverride;

    public Task<ApiResponse> GetAsync(string pathAndQuery) => SendAsync(HttpMethods.Get, pathAndQuery, null);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethods.Delete, path, null);

    public Task<ApiResponse> PostAsync(string path, object? body) => SendAsync(HttpMethods.Post, path, body);

    public Task<ApiResponse> PutAsync(string pathAndQuery, object? body) => SendAsync(HttpMethods.Put, pathAndQuery, body);

    public async Task<ApiResponse> SendAsync(string method, string pathAndQuery, object? body)
    {
        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart];
        var query = queryStart < 0 ? "" : pathAndQuery[queryStart..];
        if (!catalog.TryMatch(method, path, out var endpoint, out var values))
        {
            return new ApiResponse(StatusCodes.Status404NotFound, false, $"The management API has no route {method} {path}; call AddManagementApi().", default);
        }

        var inner = new DefaultHttpContext { RequestServices = outer.RequestServices };
        inner.Request.Method = method;
        inner.Request.Scheme = outer.Request.Scheme;
        inner.Request.Host = outer.Request.Host;
        inner.Request.PathBase = outer.Request.PathBase;
        inner.Request.Path = path;
        inner.Request.QueryString = new QueryString(query);
        inner.Request.Headers.Cookie = _cookieOverride ?? outer.Request.Headers.Cookie.ToString();
        inner.Request.Headers.UserAgent = outer.Request.Headers.UserAgent;
        inner.Connection.RemoteIpAddress = outer.Connection.RemoteIpAddress;
        inner.Connection.RemotePort = outer.Connection.RemotePort;
        inner.RequestAborted = outer.RequestAborted;
        if (body is not null)
        {
            var cleaned = WithoutNulls(body);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(cleaned, cleaned.GetType(), DashboardJson.Options);
            inner.Request.ContentType = "application/json";
            inner.Request.ContentLength = bytes.Length;
            inner.Request.Body = new MemoryStream(bytes, writable: false);
        }

        using var responseBody = new MemoryStream();
        inner.Response.Body = responseBody;
        inner.SetEndpoint(endpoint);
        foreach (var (key, value) in values)
        {
            inner.Request.RouteValues[key] = value;
        }

        await endpoint.RequestDelegate!(inner).ConfigureAwait(false);
        await inner.Response.BodyWriter.FlushAsync(outer.RequestAborted).ConfigureAwait(false);
        CopyCookies(inner, outer);
        return Parse(inner.Response.StatusCode, responseBody.ToArray());
    }

    private void CopyCookies(HttpContext inner, HttpContext outer)
    {
        var setCookies = inner.Response.Headers.SetCookie;
        if (setCookies.Count == 0)
        {
            return;
        }

        var jar = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var cookie in CookieHeaderValue.ParseList(new[] { _cookieOverride ?? outer.Request.Headers.Cookie.ToString() }))
        {
            jar[cookie.Name.ToString()] = cookie.Value.ToString();
        }

        foreach (var header in setCookies)
        {
            if (!outer.Response.HasStarted)
            {
                outer.Response.Headers.Append(HeaderNames.SetCookie, header);
            }

            if (SetCookieHeaderValue.TryParse(header, out var parsed))
            {
                var expired = parsed.Expires is { } expires && expires < DateTimeOffset.UtcNow;
                if (expired || parsed.Value.Length == 0)
                {
                    jar.Remove(parsed.Name.ToString());
                }
                else
                {
                    jar[parsed.Name.ToString()] = parsed.Value.ToString();
                }
            }
        }

        // Later calls in the same request see the new session (e.g. setup, then sign-in, then reading the user).
        _cookieOverride = string.Join("; ", jar.Select(static c => c.Key + "=" + c.Value));
    }

    /// <summary>Drops null entries of dictionaries (nested too), so a field left empty is simply not sent.</summary>
    private static object WithoutNulls(object body) => body is Dictionary<string, object?> map
        ? map.Where(static e => e.Value is not null).ToDictionary(static e => e.Key, static e => (object?)WithoutNulls(e.Value!), StringComparer.Ordinal)
        : body;

    private static ApiResponse Parse(int status, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return new ApiResponse(status, status < 400, "", default);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var success = root.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True;
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";
            var data = root.TryGetProperty("data", out var d) ? d.Clone() : default;
            return new ApiResponse(status, success, message, data);
        }
        catch (JsonException)
        {
            return new ApiResponse(status, false, Encoding.UTF8.GetString(bytes), default);
        }
    }
}

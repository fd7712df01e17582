using System.Globalization;
using System.Text.Json.Nodes;
using LlmRelay.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary><c>GET</c> and <c>DELETE /admin/dev/captures</c>: the record of recent upstream exchanges (<see cref="UpstreamCaptureLog"/>, off by default).</summary>
/// <remarks>
/// <code>
/// GET /admin/dev/captures[?channel_id=N] ─► {"enabled","limit","max_body_bytes","count","items":[newest first]}
/// DELETE /admin/dev/captures             ─► {"success":true,"detail":"capture logs cleared","cleared":N}
/// </code>
/// Turned on with <c>LlmRelay:Captures:Enabled</c>; credentials are redacted when an exchange is recorded.
/// </remarks>
internal static partial class AdminEndpoints
{
    private static void MapCaptures(IEndpointRouteBuilder secured)
    {
        secured.MapGet("/dev/captures", ListCaptures);
        secured.MapDelete("/dev/captures", ClearCaptures);
    }

    private static IResult ListCaptures(HttpRequest request, UpstreamCaptureLog captures)
    {
        long? channelId = null;
        var filter = request.Query["channel_id"].ToString();
        if (filter.Length > 0)
        {
            if (!long.TryParse(filter, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                return AdminResults.Detail("Query 'channel_id' must be a channel id (a positive integer).");
            }

            channelId = id;
        }

        var items = new JsonArray();
        foreach (var capture in captures.List(channelId))
        {
            items.Add(CaptureView(capture));
        }

        return AdminResults.Json(new JsonObject
        {
            ["enabled"] = captures.IsEnabled,
            ["limit"] = captures.Limit,
            ["max_body_bytes"] = captures.MaxBodyBytes,
            ["count"] = items.Count,
            ["items"] = items,
        });
    }

    private static IResult ClearCaptures(HttpContext context, UpstreamCaptureLog captures)
    {
        var cleared = captures.Clear();
        AdminLog.CapturesCleared(Logger(context), cleared);
        return AdminResults.Json(new JsonObject { ["success"] = true, ["detail"] = "capture logs cleared", ["cleared"] = cleared });
    }

    private static JsonObject Headers(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var o = new JsonObject();
        foreach (var (name, value) in headers)
        {
            o[name] = o[name] is { } earlier ? earlier.GetValue<string>() + ", " + value : value;
        }

        return o;
    }

    private static JsonObject CaptureView(UpstreamCapture c) => new()
    {
        ["id"] = c.Id,
        ["channel_id"] = c.ChannelId,
        ["channel_name"] = c.ChannelName,
        ["started_at"] = c.StartedAt.ToUnixTimeMilliseconds(),
        ["completed"] = c.Completed,
        ["time_to_headers_ms"] = c.TimeToHeaders is { } headers ? (long)headers.TotalMilliseconds : null,
        ["duration_ms"] = c.Duration is { } duration ? (long)duration.TotalMilliseconds : null,
        ["error"] = c.Error,
        ["request"] = new JsonObject
        {
            ["method"] = c.Method,
            ["url"] = c.Url,
            ["headers"] = Headers(c.RequestHeaders),
            ["body"] = c.RequestBody,
            ["body_bytes"] = c.RequestBodyLength,
            ["body_truncated"] = c.RequestBodyTruncated,
        },
        ["response"] = new JsonObject
        {
            ["status_code"] = c.StatusCode,
            ["headers"] = Headers(c.ResponseHeaders),
            ["body"] = c.ResponseBody,
            ["body_bytes"] = c.ResponseBodyLength,
            ["body_truncated"] = c.ResponseBodyTruncated,
        },
    };
}

using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Hosting;

/// <summary>Answers <c>GET /</c> of a gateway: a redirect to the dashboard when it is mapped, else a small page naming the API base URL.</summary>
/// <remarks>
/// A new operator's first request is <c>/</c> (issue #15). The page names addresses from the request itself (scheme,
/// host and the group's path), HTML-encoded since the Host header is the caller's. Thread-safe: it holds only the paths.
/// </remarks>
internal sealed class HomeEndpoint(GatewayPaths paths)
{
    public Task HandleAsync(HttpContext context)
    {
        // The group's own root: "/llm/" under app.MapGroup("/llm"), "/" otherwise.
        var root = (context.Request.PathBase + context.Request.Path).Value?.TrimEnd('/') ?? "";
        if (paths.Dashboard is { } dashboard)
        {
            context.Response.Redirect(root + dashboard);
            return Task.CompletedTask;
        }

        var origin = context.Request.Scheme + "://" + context.Request.Host.Value + root;
        var page = new StringBuilder(1024)
            .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>LlmRelay</title></head>")
            .Append("<body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5\">")
            .Append("<h1>LlmRelay</h1><p>This is an LLM API gateway. Call it with a gateway key (<code>Authorization: Bearer sk-...</code>):</p><ul>");
        Item(page, "OpenAI API base URL", origin + "/v1");
        Item(page, "Anthropic API base URL", origin + "/anthropic");
        Item(page, "Gemini API base URL", origin + "/v1beta");
        page.Append("</ul><ul>");
        if (paths.Status is { } status)
        {
            Item(page, "Status", origin + status);
        }

        Item(page, "Health", origin + "/healthz");
        page.Append("</ul></body></html>");
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(page.ToString(), context.RequestAborted);
    }

    private static void Item(StringBuilder page, string label, string url)
    {
        var encoded = HtmlEncoder.Default.Encode(url);
        page.Append("<li>").Append(label).Append(": <a href=\"").Append(encoded).Append("\"><code>").Append(encoded).Append("</code></a></li>");
    }
}

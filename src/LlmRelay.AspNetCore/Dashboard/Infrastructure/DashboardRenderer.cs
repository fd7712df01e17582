using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Renders a page component to HTML on the server (static rendering: no circuit, no client framework).</summary>
internal static class DashboardRenderer
{
    public static async Task<IResult> RenderAsync<TComponent>(HttpContext context, Dictionary<string, object?> parameters, int statusCode = StatusCodes.Status200OK)
        where TComponent : IComponent
    {
        var services = context.RequestServices;
        var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        await using var _ = renderer.ConfigureAwait(false);
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var root = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters)).ConfigureAwait(false);
            return root.ToHtmlString();
        }).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content("<!DOCTYPE html>\n" + html, "text/html; charset=utf-8", null, statusCode);
    }
}

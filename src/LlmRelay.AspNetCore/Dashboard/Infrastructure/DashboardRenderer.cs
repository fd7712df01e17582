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
        where TComponent : IComponent =>
        Html(context, "<!DOCTYPE html>\n" + await RenderHtmlAsync<TComponent>(context, parameters).ConfigureAwait(false), statusCode);

    /// <summary>Renders a component that is part of a page (no document around it), for a page's script to insert.</summary>
    public static async Task<IResult> RenderPartAsync<TComponent>(HttpContext context, Dictionary<string, object?> parameters, int statusCode = StatusCodes.Status200OK)
        where TComponent : IComponent =>
        Html(context, await RenderHtmlAsync<TComponent>(context, parameters).ConfigureAwait(false), statusCode);

    private static async Task<string> RenderHtmlAsync<TComponent>(HttpContext context, Dictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        var services = context.RequestServices;
        var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        await using var _ = renderer.ConfigureAwait(false);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var root = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters)).ConfigureAwait(false);
            return root.ToHtmlString();
        }).ConfigureAwait(false);
    }

    private static IResult Html(HttpContext context, string html, int statusCode)
    {
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", null, statusCode);
    }
}

using LlmRelay.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Applies <c>LlmRelay:Cors</c> to the relay endpoints through ASP.NET Core's <see cref="ICorsService"/> and a <see cref="CorsPolicy"/>.</summary>
/// <remarks>
/// <code>
/// OPTIONS + Access-Control-Request-Method (preflight) ─► EvaluatePolicy ─► ApplyResult ─► 204 (no key needed)
/// GET/POST with Origin                                 ─► EvaluatePolicy ─► ApplyResult ─► the endpoint (errors carry the headers too)
/// </code>
/// Why not <c>RequireCors(...)</c> on the group: that needs <c>AddCors()</c> and <c>UseCors()</c> in the host, and the
/// relay endpoints need no host setup (as with authentication, see <c>GatewayKeyGate</c>); a host that forgot
/// <c>UseCors()</c> would silently lose CORS. The headers still come from the platform's service and policy, not by hand.
/// Only the relay routes are wrapped: management, admin, dashboard and status routes never answer cross-origin requests.
/// Thread-safe: the policy is immutable once built.
/// </remarks>
internal sealed class RelayCors
{
    /// <summary>The request headers a relay call needs: the body type and every place a gateway key or a family's version travels.</summary>
    internal static readonly string[] BuiltInHeaders = ["Content-Type", "Authorization", "X-API-Key", "x-goog-api-key", "anthropic-version", "anthropic-beta"];

    private readonly ICorsService _service;
    private readonly CorsPolicy _policy;

    private RelayCors(ICorsService service, CorsPolicy policy)
    {
        _service = service;
        _policy = policy;
    }

    /// <summary>Returns the CORS applier for <paramref name="options"/>, or <see langword="null"/> when CORS is off.</summary>
    public static RelayCors? Create(IServiceProvider services, RelayCorsOptions options)
    {
        if (!options.Enabled)
        {
            return null;
        }

        var builder = new CorsPolicyBuilder().WithMethods(HttpMethods.Get, HttpMethods.Post).SetPreflightMaxAge(TimeSpan.FromHours(1));
        var origins = options.AllowedOrigins.Select(static o => o.Trim()).Where(static o => o.Length > 0).ToArray();
        _ = origins.Length == 0 || origins.Contains("*") ? builder.AllowAnyOrigin() : builder.WithOrigins(origins);
        var headers = options.AllowedHeaders.Select(static h => h.Trim()).Where(static h => h.Length > 0).ToArray();
        _ = headers.Contains("*") ? builder.AllowAnyHeader() : builder.WithHeaders([.. BuiltInHeaders, .. headers]);
        builder.WithExposedHeaders("Retry-After");

        // The host's CORS service when it registered one (AddCors), else the platform's implementation on its own.
        var service = services.GetService<ICorsService>()
            ?? new CorsService(Options.Create(new CorsOptions()), services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
        return new RelayCors(service, builder.Build());
    }

    /// <summary>Applies the policy to every endpoint <paramref name="routes"/> maps: answers carry the CORS headers the origin earns, and preflight requests are answered before the endpoint runs.</summary>
    public void ApplyTo(IEndpointConventionBuilder routes) => routes.Add(endpoint =>
    {
        // Routing sends a preflight (OPTIONS with Access-Control-Request-Method) only to endpoints that accept one.
        if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods)
        {
            endpoint.Metadata.Add(new HttpMethodMetadata(methods.HttpMethods, acceptCorsPreflight: true));
        }

        var next = endpoint.RequestDelegate ?? throw new InvalidOperationException($"The relay endpoint '{endpoint.DisplayName}' has no request delegate.");
        endpoint.RequestDelegate = context => HandleAsync(context, next);
    });

    private Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Headers.Origin.Count == 0)
        {
            return next(context);
        }

        var result = _service.EvaluatePolicy(context, _policy);
        _service.ApplyResult(result, context.Response);
        if (result.IsPreflightRequest)
        {
            // Answered without a key, as UseCors() answers it: the browser sends none with a preflight.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        return next(context);
    }
}

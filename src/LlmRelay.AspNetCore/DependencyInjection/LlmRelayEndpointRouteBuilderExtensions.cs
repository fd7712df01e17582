using LlmRelay.AspNetCore.Relay;
using LlmRelay.Internal;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps LlmRelay's endpoints.</summary>
public static class LlmRelayEndpointRouteBuilderExtensions
{
    /// <summary>Maps the relay endpoints (<c>/v1/...</c>) and the health probes (<c>/healthz</c>, <c>/readyz</c>).</summary>
    /// <remarks>
    /// The endpoints are mapped inside a route group, so <c>app.MapGroup("/llm").MapLlmRelay()</c> moves them
    /// under a prefix, and conventions applied to the returned builder (authorization, rate limiting, CORS)
    /// apply to all of them.
    /// </remarks>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>A builder for conventions that apply to every LlmRelay endpoint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>services.AddLlmRelay()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapLlmRelay(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<LlmRelayMarker>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'builder.Services.AddLlmRelay(...)' in the application's service configuration.");
        }

        var group = endpoints.MapGroup("");
        var chat = ActivatorUtilities.CreateInstance<ChatCompletionsEndpoint>(services);
        var models = ActivatorUtilities.CreateInstance<ModelsEndpoint>(services);

        group.MapPost("/v1/chat/completions", chat.HandleAsync).WithName("LlmRelay.ChatCompletions");
        group.MapGet("/v1/models", models.HandleAsync).WithName("LlmRelay.Models");
        group.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false });
        group.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = static check => check.Tags.Contains(RelayReadinessHealthCheck.Tag) });
        return group;
    }
}

using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.AspNetCore.Relay.Videos;
using LlmRelay.AspNetCore.Scaling.Responses;
using LlmRelay.Health;
using LlmRelay.Pipeline;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using LlmRelay.Configuration;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps LlmRelay's endpoints.</summary>
public static class LlmRelayEndpointRouteBuilderExtensions
{
    /// <summary>Maps the relay endpoints (OpenAI <c>/v1/...</c>, Anthropic <c>/v1/messages</c>, Gemini <c>/v1beta/...</c>) and the health probes (<c>/healthz</c>, <c>/readyz</c>).</summary>
    /// <remarks>
    /// The endpoints are mapped inside a route group, so <c>app.MapGroup("/llm").MapLlmRelay()</c> moves them
    /// under a prefix, and conventions applied to the returned builder (authorization, rate limiting, CORS)
    /// apply to all of them. The relay endpoints authenticate the caller's gateway key with the
    /// <c>LlmRelay.GatewayKey</c> scheme themselves (see <c>GatewayKeyDefaults</c>) and answer a refused key in the
    /// caller's own error shape, so the host needs neither <c>UseAuthentication()</c> nor <c>UseAuthorization()</c>.
    /// </remarks>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>A builder for conventions that apply to every LlmRelay endpoint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>services.AddLlmRelay()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapLlmRelay(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        // AddLlmRelay() registers the pipeline; asking whether it is registered does not build it.
        if (!(services.GetService<IServiceProviderIsService>()?.IsService(typeof(RelayPipeline)) ?? services.GetService<RelayPipeline>() is not null))
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'builder.Services.AddLlmRelay(...)' in the application's service configuration.");
        }

        // X-Forwarded-For only from known proxies (LlmRelay:ForwardedHeaders), also when ASPNETCORE_FORWARDEDHEADERS_ENABLED emptied the lists.
        LlmRelay.AspNetCore.Hosting.ForwardedHeadersTrust.Apply(services);
        var group = endpoints.MapGroup("");
        var gateway = ActivatorUtilities.CreateInstance<GatewayKeyGate>(services);
        // The response store: this process's by default, Redis's with AddRedis(...) (issue #18).
        var responses = services.GetService<IResponseStorage>() ?? new InMemoryResponseStorage(services.GetRequiredService<LlmRelay.Responses.ResponseStore>());
        var relay = ActivatorUtilities.CreateInstance<RelayEndpoint>(services, gateway, responses);
        var models = ActivatorUtilities.CreateInstance<ModelsEndpoint>(services, gateway);
        var gemini = new GeminiEndpoint(relay);
        var stored = ActivatorUtilities.CreateInstance<ResponsesEndpoint>(services, gateway, responses);
        var socket = ActivatorUtilities.CreateInstance<ResponsesSocketEndpoint>(services, gateway, responses);
        var countTokens = ActivatorUtilities.CreateInstance<CountTokensEndpoint>(services, gateway);
        var files = new FilesEndpoint(gateway);
        var realtime = ActivatorUtilities.CreateInstance<RealtimeEndpoint>(services, gateway);
        var videos = ActivatorUtilities.CreateInstance<LlmRelay.AspNetCore.Relay.Videos.VideoEndpoint>(services, gateway);

        // Every relay endpoint names its error shape in metadata: GatewayKeyAuthenticationHandler answers a refused key in
        // it, also when the host puts GatewayKeyDefaults.PolicyName on the group. GET /v1/models has none, as its shape
        // depends on the request's headers (ModelsEndpoint.ShapeOf), which is what the handler falls back to.
        var openAI = RelayErrorWriter.OpenAI;
        var anthropic = RelayErrorWriter.Anthropic;
        var geminiErrors = RelayErrorWriter.Gemini;

        // The relay routes sit in their own group so that LlmRelay:Cors applies to them and to nothing else (issue #15).
        var routes = group.MapGroup("");
        // OpenAI
        routes.MapPost("/v1/chat/completions", context => relay.HandleAsync(context, InboundRoute.OpenAIChat)).WithName("LlmRelay.ChatCompletions").WithMetadata(InboundRoute.OpenAIChat.Errors);
        routes.MapPost("/v1/completions", context => relay.HandleAsync(context, InboundRoute.OpenAICompletions)).WithName("LlmRelay.Completions").WithMetadata(InboundRoute.OpenAICompletions.Errors);
        routes.MapPost("/v1/responses", context => relay.HandleAsync(context, InboundRoute.OpenAIResponses)).WithName("LlmRelay.Responses").WithMetadata(InboundRoute.OpenAIResponses.Errors);
        routes.MapPost("/v1/responses/compact", context => relay.HandleAsync(context, InboundRoute.OpenAIResponsesCompact)).WithName("LlmRelay.Responses.Compact").WithMetadata(InboundRoute.OpenAIResponsesCompact.Errors);
        // The Responses API over WebSocket, which Codex CLI tries first (issue #16); 426 without an upgrade.
        routes.MapGet("/v1/responses", socket.HandleAsync).WithName("LlmRelay.Responses.WebSocket").WithMetadata(InboundRoute.OpenAIResponses.Errors);
        // The Realtime API: a WebSocket proxied to an OpenAI or Azure realtime upstream (issue #17); 426 without an upgrade.
        routes.MapGet("/v1/realtime", realtime.HandleAsync).WithName("LlmRelay.Realtime").WithMetadata(openAI);
        routes.MapGet("/v1/responses/{id}", context => stored.GetAsync(context, RouteValue(context, "id"))).WithName("LlmRelay.Responses.Get").WithMetadata(openAI);
        // Video tasks (issue #17): OpenAI's Videos API and the generic task API over the same stored tasks.
        routes.MapPost("/v1/videos", context => videos.CreateAsync(context, VideoFamily.OpenAI)).WithName("LlmRelay.Videos").WithMetadata(openAI);
        routes.MapGet("/v1/videos/{id}", context => videos.GetAsync(context, RouteValue(context, "id"), VideoFamily.OpenAI)).WithName("LlmRelay.Videos.Get").WithMetadata(openAI);
        routes.MapGet("/v1/videos/{id}/content", context => videos.ContentAsync(context, RouteValue(context, "id"))).WithName("LlmRelay.Videos.Content").WithMetadata(openAI);
        routes.MapPost("/v1/video/generations", context => videos.CreateAsync(context, VideoFamily.Generations)).WithName("LlmRelay.VideoGenerations").WithMetadata(openAI);
        routes.MapGet("/v1/video/generations/{id}", context => videos.GetAsync(context, RouteValue(context, "id"), VideoFamily.Generations)).WithName("LlmRelay.VideoGenerations.Get").WithMetadata(openAI);
        routes.MapPost("/v1/embeddings", context => relay.HandleAsync(context, InboundRoute.OpenAIEmbeddings)).WithName("LlmRelay.Embeddings").WithMetadata(InboundRoute.OpenAIEmbeddings.Errors);
        routes.MapPost("/v1/engines/{model}/embeddings", context => relay.HandleAsync(context, InboundRoute.OpenAIEmbeddings, RouteValue(context, "model"), null)).WithName("LlmRelay.EngineEmbeddings").WithMetadata(InboundRoute.OpenAIEmbeddings.Errors);
        // Billed by their own units (issue #17). Routing matches the trailing slash the spec lists (/v1/images/edits/) too.
        routes.MapPost("/v1/images/generations", context => relay.HandleUnitsAsync(context, InboundRoute.OpenAIImageGenerations)).WithName("LlmRelay.ImageGenerations").WithMetadata(openAI);
        routes.MapPost("/v1/images/edits", context => relay.HandleUnitsAsync(context, InboundRoute.OpenAIImageEdits)).WithName("LlmRelay.ImageEdits").WithMetadata(openAI);

        routes.MapPost("/v1/moderations", context => relay.HandleUnitsAsync(context, InboundRoute.OpenAIModerations)).WithName("LlmRelay.Moderations").WithMetadata(openAI);
        routes.MapPost("/v1/audio/speech", context => relay.HandleUnitsAsync(context, InboundRoute.OpenAISpeech)).WithName("LlmRelay.AudioSpeech").WithMetadata(openAI);
        routes.MapPost("/v1/audio/transcriptions", context => relay.HandleUnitsAsync(context, InboundRoute.OpenAITranscriptions)).WithName("LlmRelay.AudioTranscriptions").WithMetadata(openAI);
        routes.MapPost("/v1/audio/translations", context => relay.HandleUnitsAsync(context, InboundRoute.OpenAITranslations)).WithName("LlmRelay.AudioTranslations").WithMetadata(openAI);
        routes.MapPost("/v1/rerank", context => relay.HandleUnitsAsync(context, InboundRoute.Rerank)).WithName("LlmRelay.Rerank").WithMetadata(openAI);
        // Files: documented as not implemented (501 api_not_implemented), not 404.
        routes.MapPost("/v1/files", files.HandleAsync).WithName("LlmRelay.Files.Upload").WithMetadata(openAI);
        routes.MapGet("/v1/files", files.HandleAsync).WithName("LlmRelay.Files.List").WithMetadata(openAI);
        routes.MapGet("/v1/files/{file_id}", files.HandleAsync).WithName("LlmRelay.Files.Get").WithMetadata(openAI);
        routes.MapDelete("/v1/files/{file_id}", files.HandleAsync).WithName("LlmRelay.Files.Delete").WithMetadata(openAI);
        routes.MapGet("/v1/files/{file_id}/content", files.HandleAsync).WithName("LlmRelay.Files.Content").WithMetadata(openAI);

        // Anthropic
        foreach (var prefix in (ReadOnlySpan<string>)["/v1", "/anthropic/v1", ""])
        {
            routes.MapPost(prefix + "/messages", context => relay.HandleAsync(context, InboundRoute.AnthropicMessages)).WithName("LlmRelay.Messages" + prefix.Replace('/', '.')).WithMetadata(InboundRoute.AnthropicMessages.Errors);
            routes.MapPost(prefix + "/messages/count_tokens", countTokens.HandleAsync).WithName("LlmRelay.CountTokens" + prefix.Replace('/', '.')).WithMetadata(anthropic);
        }

        // Gemini: the model and the action share one path segment ("gemini-2.5-flash:generateContent").
        routes.MapPost("/v1beta/models/{modelAction}", context => gemini.HandleAsync(context, RouteValue(context, "modelAction"))).WithName("LlmRelay.Gemini").WithMetadata(InboundRoute.Gemini.Errors);
        routes.MapPost("/v1/models/{modelAction}", context => gemini.HandleAsync(context, RouteValue(context, "modelAction"))).WithName("LlmRelay.Gemini.V1").WithMetadata(InboundRoute.Gemini.Errors);

        // Models
        routes.MapGet("/v1/models", models.ListAsync).WithName("LlmRelay.Models");
        routes.MapGet("/v1/models/{id}", context => models.GetAsync(context, RouteValue(context, "id"))).WithName("LlmRelay.Model").WithMetadata(openAI);
        routes.MapGet("/v1beta/models", context => models.ListAsync(context, ModelsEndpoint.Shape.Gemini)).WithName("LlmRelay.Models.Gemini").WithMetadata(geminiErrors);
        routes.MapGet("/anthropic/v1/models", context => models.ListAsync(context, ModelsEndpoint.Shape.Anthropic, keyOptional: true)).WithName("LlmRelay.Models.Anthropic").WithMetadata(anthropic);

        LlmRelay.AspNetCore.Relay.RelayCors.Create(services, services.GetRequiredService<IOptions<LlmRelayOptions>>().Value.Cors)?.ApplyTo(routes);

        LlmRelay.AspNetCore.Management.ManagementEndpoints.Map(group);
        LlmRelay.AspNetCore.Dashboard.DashboardEndpoints.Map(group); // Dashboard and status page (issue #7): mapped only after AddDashboard(), see DashboardOptions.
        group.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false });
        group.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = static check => check.Tags.Contains(RelayHealthChecks.ReadyTag) });
        LlmRelay.AspNetCore.Hosting.StartupAnnouncement.Register(services, LlmRelay.AspNetCore.Hosting.GatewayPaths.Of(services));
        return group;
    }

    /// <summary>Maps <c>GET /</c> for a gateway: a redirect to the dashboard when <c>AddDashboard()</c> enabled it, else a small page naming the API base URLs, the status page and the health probe.</summary>
    /// <remarks>
    /// Opt-in, because an app that adds <c>MapLlmRelay()</c> to its own service usually has its own <c>/</c>; the gateway
    /// sample and the <c>dotnet new llmrelay</c> template call it. Map it into the same group as <c>MapLlmRelay()</c>
    /// (<c>app.MapGroup("/llm").MapLlmRelayHome()</c> answers <c>/llm</c>). When the dashboard is served at the root
    /// (<c>DashboardOptions.PathBase</c> is <c>/</c>), the dashboard already answers <c>/</c> and nothing is mapped.
    /// </remarks>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>A builder for conventions that apply to the home endpoint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is <see langword="null"/>.</exception>
    public static IEndpointConventionBuilder MapLlmRelayHome(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var paths = LlmRelay.AspNetCore.Hosting.GatewayPaths.Of(endpoints.ServiceProvider);
        var group = endpoints.MapGroup("");
        if (paths.Dashboard is not "")
        {
            group.MapGet("/", new LlmRelay.AspNetCore.Hosting.HomeEndpoint(paths).HandleAsync).WithName("LlmRelay.Home").ExcludeFromDescription();
        }

        return group;
    }

    private static string RouteValue(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? "";
}

// An existing minimal API (its own endpoints, its own API-key authentication) that adds LlmRelay under /llm.
// Callers of /llm/... present two keys: the app's own key (X-App-Key, checked by the app's auth policy) and an
// LlmRelay gateway key (Authorization: Bearer sk-..., checked by LlmRelay and used for quota and usage logs).
using System.Security.Claims;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.Samples.MinimalApi;

var builder = WebApplication.CreateBuilder(args);

// <app-auth>
builder.Services
    .AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
    .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(
        ApiKeyAuthenticationHandler.SchemeName,
        options => builder.Configuration.GetSection("App").Bind(options));
builder.Services.AddAuthorizationBuilder()
    .AddPolicy("llm-users", policy => policy.RequireAuthenticatedUser().RequireClaim("scope", "llm"));
// </app-auth>

// <add-llmrelay>
builder.Services
    .AddLlmRelay(builder.Configuration.GetSection("LlmRelay"))
    .AddEntityFrameworkStores(builder.Configuration)
    .AddGatewayKeyAuthentication();   // the LlmRelay.GatewayKey policy, for the app's own endpoints below
// </add-llmrelay>

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();

// The app's own endpoints.
app.MapGet("/", () => "LlmRelay minimal API sample. Try GET /api/time, or POST /llm/v1/chat/completions.");
app.MapGet("/api/time", (TimeProvider time) => new { utc = time.GetUtcNow() });
app.MapGet("/api/me", (System.Security.Claims.ClaimsPrincipal user) => new { name = user.Identity?.Name })
    .RequireAuthorization();

// <gateway-key-endpoint>
// An app endpoint that a gateway key (Authorization: Bearer sk-..., x-api-key or x-goog-api-key) opens, as the relay does.
app.MapGet("/api/whoami", (ClaimsPrincipal user) => new
    {
        token_id = user.FindFirstValue(GatewayKeyDefaults.TokenIdClaimType),
        group = user.FindFirstValue(GatewayKeyDefaults.GroupClaimType),
    })
    .RequireAuthorization(GatewayKeyDefaults.PolicyName);
// </gateway-key-endpoint>

// <map-llmrelay>
// /llm/v1/chat/completions, /llm/v1/models, /llm/healthz, /llm/readyz, all behind the app's policy.
app.MapGroup("/llm")
    .MapLlmRelay()
    .RequireAuthorization("llm-users");
// </map-llmrelay>

app.Run();

/// <summary>
/// The sample's entry point, kept internal: the SDK would otherwise make it public, and the functional tests
/// reference this sample and the reference gateway, whose public <c>Program</c> would clash with it.
/// Tests host this sample through <see cref="MinimalApiSample"/>.
/// </summary>
internal partial class Program;

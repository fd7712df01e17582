// An LlmRelay gateway. Channels (upstream providers) and tokens (gateway keys) come from configuration:
// appsettings.json, environment variables such as LlmRelay__Channels__0__BaseUrl, or user secrets.
// See README.md for adding the first channel.
var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddLlmRelay(builder.Configuration.GetSection("LlmRelay"))
    // LlmRelay:Database:Provider and ConnectionStrings:LlmRelay pick SQLite or PostgreSQL; the schema is
    // created and migrated at start.
    .AddEntityFrameworkStores(builder.Configuration)
#if (UseRedis)
    // ConnectionStrings:Redis: a change made through one instance (a channel, a key, an option) reaches the other
    // instances' caches at once, and with LlmRelay:DataProtection:Keys = Redis all of them share one Data Protection
    // key ring (encrypted channel keys, session cookies).
    .AddRedis(builder.Configuration)
#endif
    // The management API under /api/... (users, tokens, channels, logs); POST /api/setup creates the root user.
#if (NoDashboard)
    .AddManagementApi();
#else
    .AddManagementApi()
    // Admin dashboard at /dashboard and the public status page at /status (options: LlmRelay:Dashboard).
    .AddDashboard(options => builder.Configuration.GetSection("LlmRelay:Dashboard").Bind(options));
#endif

var app = builder.Build();

#if (NoDashboard)
// The relay (/v1/..., /v1beta/...), the management API (/api/...), GET /healthz and GET /readyz.
#else
// The relay (/v1/..., /v1beta/...), the management API (/api/...), GET /healthz, GET /readyz and the dashboard.
#endif
app.MapLlmRelay();
#if (NoDashboard)
// GET /: a small page naming the API base URL, /healthz and /readyz.
#else
// GET /: a redirect to the dashboard.
#endif
app.MapLlmRelayHome();

app.Run();

// An LlmRelay gateway. Channels (upstream providers) and tokens (gateway keys) come from configuration:
// appsettings.json, environment variables such as LlmRelay__Channels__0__BaseUrl, or user secrets.
// See README.md for adding the first channel.
var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddLlmRelay(builder.Configuration.GetSection("LlmRelay"))
    // LlmRelay:Database:Provider and ConnectionStrings:LlmRelay pick SQLite or PostgreSQL; the schema is
    // created and migrated at start.
    .AddEntityFrameworkStores(builder.Configuration)
    // The management API under /api/... (users, tokens, channels, logs); POST /api/setup creates the root user.
    .AddManagementApi();

var app = builder.Build();

// The relay (/v1/..., /v1beta/...), the management API (/api/...), GET /healthz and GET /readyz.
app.MapLlmRelay();
#if (!NoDashboard)

// Admin dashboard: not part of this LlmRelay release yet. When it ships, it is mapped here; generate the
// project with --no-dashboard to leave this section out.
#endif

app.Run();

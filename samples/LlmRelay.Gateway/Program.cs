// The reference LlmRelay gateway: channels and keys from configuration (appsettings.json, environment
// variables such as LlmRelay__Channels__0__BaseUrl), storage in SQLite by default or PostgreSQL.
var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddLlmRelay(builder.Configuration.GetSection("LlmRelay"))
    .AddEntityFrameworkStores(builder.Configuration)
    .AddRedis(builder.Configuration)   // only when ConnectionStrings:Redis (or LlmRelay:Redis) is set: see docs/deployment.md, scale-out
    .AddManagementApi()
    .AddDashboard(options => builder.Configuration.GetSection("LlmRelay:Dashboard").Bind(options));   // web dashboard at /dashboard, status page at /status

var app = builder.Build();

app.MapLlmRelay();
app.MapLlmRelayHome();   // GET / redirects to the dashboard (or, without it, names the API base URL)

app.Run();

/// <summary>The gateway's entry point; public so that functional tests can host it.</summary>
public partial class Program;

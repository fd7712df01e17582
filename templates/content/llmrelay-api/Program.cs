// The smallest LlmRelay host: the relay endpoints only, channels and keys declared in configuration,
// no database (state and usage logs live in memory and are gone on restart).
var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddLlmRelay(builder.Configuration.GetSection("LlmRelay"))
    .AddInMemoryStores();

var app = builder.Build();

// POST /v1/chat/completions, GET /v1/models, GET /healthz, GET /readyz
app.MapLlmRelay();

app.Run();

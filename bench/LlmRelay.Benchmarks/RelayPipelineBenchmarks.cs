using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using LlmRelay.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Benchmarks;

/// <summary>One relayed chat call through the whole ASP.NET Core pipeline, without sockets.</summary>
/// <remarks>
/// <para>
/// The gateway runs on <see cref="TestServer"/> with in-memory stores; its upstream is an in-memory handler that
/// answers the load harness's fixed bodies (652-byte <c>chat.completion</c>; a 50-event SSE stream with usage). What
/// is measured is the CPU and the allocations of everything LlmRelay does per call (key lookup, body read and sniff,
/// channel selection, key and breaker, concurrency gate, pass-through with usage read, metering, log row queued)
/// plus the framework under it. The <c>baseline</c> rows are the same pipeline answering the same bytes from a
/// minimal endpoint: the difference is LlmRelay's own cost.
/// </para>
/// <para>Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- --filter '*RelayPipeline*'</c>.</para>
/// </remarks>
[MemoryDiagnoser]
public class RelayPipelineBenchmarks
{
    private const string GatewayKey = "sk-bench-relay-pipeline-0123456789";

    private static readonly byte[] ChatBody = Encoding.UTF8.GetBytes(
        """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.2,"max_tokens":64}""");

    private static readonly byte[] StreamBody = Encoding.UTF8.GetBytes(
        """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.2,"max_tokens":64,"stream":true,"stream_options":{"include_usage":true}}""");

    private WebApplication? _app;
    private HttpClient _client = null!;

    /// <summary>Starts the gateway on a test server.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmRelay:Channels:0:Name"] = "mock",
            ["LlmRelay:Channels:0:BaseUrl"] = "http://upstream.invalid/v1",
            ["LlmRelay:Channels:0:Keys:0"] = "sk-upstream",
            ["LlmRelay:Channels:0:Models:0"] = "gpt-4o-mini",
            ["LlmRelay:Tokens:0:Name"] = "bench",
            ["LlmRelay:Tokens:0:Key"] = GatewayKey,
            ["LlmRelay:Tokens:0:UnlimitedQuota"] = "true",
        });
        builder.Services.AddLlmRelay(builder.Configuration.GetSection("LlmRelay")).AddInMemoryStores();
        builder.Services.AddSingleton(new UpstreamInvoker(new FixedUpstreamHandler()));

        _app = builder.Build();
        _app.MapLlmRelay();
        _app.MapPost("/baseline/chat", static (HttpContext c) => WriteAsync(c, "application/json", FixedUpstreamHandler.Chat));
        _app.MapPost("/baseline/stream", static (HttpContext c) => WriteAsync(c, "text/event-stream", FixedUpstreamHandler.Stream));
        _app.StartAsync().GetAwaiter().GetResult();
        _client = _app.GetTestClient();
        _client.DefaultRequestHeaders.Authorization = new("Bearer", GatewayKey);
    }

    /// <summary>Stops the gateway.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _app?.StopAsync().GetAwaiter().GetResult();
        (_app as IAsyncDisposable)?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The framework alone: a minimal endpoint writing the upstream's JSON answer.</summary>
    [Benchmark(Baseline = true, Description = "baseline: minimal endpoint, chat JSON")]
    public Task<int> BaselineChat() => SendAsync("/baseline/chat", ChatBody);

    /// <summary>A non-streaming chat completion relayed to an OpenAI channel.</summary>
    [Benchmark(Description = "relay: chat, pass-through")]
    public Task<int> RelayChat() => SendAsync("/v1/chat/completions", ChatBody);

    /// <summary>The framework alone: a minimal endpoint writing the upstream's SSE answer.</summary>
    [Benchmark(Description = "baseline: minimal endpoint, SSE")]
    public Task<int> BaselineStream() => SendAsync("/baseline/stream", StreamBody);

    /// <summary>A streamed chat completion relayed to an OpenAI channel (usage read, usage chunk kept: the caller asked).</summary>
    [Benchmark(Description = "relay: stream, pass-through")]
    public Task<int> RelayStream() => SendAsync("/v1/chat/completions", StreamBody);

    private async Task<int> SendAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await _client.PostAsync(path, content).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK ? bytes.Length : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
    }

    // Reads the request as a proxy must, then answers the bytes the upstream would.
    private static async Task WriteAsync(HttpContext context, string contentType, byte[] body)
    {
        await context.Request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>A real Kestrel server on a free loopback port that plays an upstream provider.</summary>
public sealed class MockUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MockUpstream(WebApplication app, Func<HttpContext, RecordedRequest, Task> handler)
    {
        _app = app;
        Handler = handler;
    }

    public Func<HttpContext, RecordedRequest, Task> Handler { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived (calls let through together may still be on their way).</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Requests.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {Requests.Count} of {count} requests reached the upstream.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>Completes when an upstream request is aborted by the gateway.</summary>
    public TaskCompletionSource RequestAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<MockUpstream> StartAsync(Func<HttpContext, RecordedRequest, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(static kestrel => kestrel.Limits.MaxRequestBodySize = null); // a provider takes what the gateway forwards
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new MockUpstream(app, handler);
        app.UseWebSockets(); // a realtime upstream accepts WebSocket upgrades in its handler
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var recorded = new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(static h => h.Key, static h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                buffer.ToArray());
            upstream.Requests.Enqueue(recorded);
            context.RequestAborted.Register(() => upstream.RequestAborted.TrySetResult());
            await upstream.Handler(context, recorded);
        });
        await app.StartAsync();
        upstream.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return upstream;
    }

    public static Func<HttpContext, RecordedRequest, Task> Json(string body, int status = 200) => async (context, _) =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    };

    public static Func<HttpContext, RecordedRequest, Task> Sse(string body, int chunkSize = int.MaxValue) => async (context, _) =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(chunkSize, bytes.Length - offset)));
            await context.Response.Body.FlushAsync();
        }
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

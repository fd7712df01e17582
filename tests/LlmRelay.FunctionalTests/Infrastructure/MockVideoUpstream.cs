using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>An OpenAI Videos API upstream on loopback: <c>POST /v1/videos</c> queues a video, polls answer <see cref="Outcome"/>, <c>/content</c> serves bytes.</summary>
public sealed class MockVideoUpstream : IAsyncDisposable
{
    public static readonly byte[] Video = [.. "\0\0\0\u0018ftypmp42 fake video bytes for the gateway test"u8];

    private int _created;

    private MockVideoUpstream(MockUpstream upstream) => Upstream = upstream;

    public MockUpstream Upstream { get; }

    public string BaseUrl => Upstream.BaseUrl;

    /// <summary>Gets or sets what a poll answers: <c>in_progress</c>, <c>completed</c>, <c>failed</c>, or <c>404</c>.</summary>
    public string Outcome { get; set; } = "completed";

    public ConcurrentQueue<string> Polls { get; } = new();

    public ConcurrentQueue<string> Downloads { get; } = new();

    public static async Task<MockVideoUpstream> StartAsync()
    {
        MockVideoUpstream? video = null;
        var upstream = await MockUpstream.StartAsync((context, request) => video!.HandleAsync(context, request));
        video = new MockVideoUpstream(upstream);
        return video;
    }

    private async Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        var path = context.Request.Path.Value!;
        if (request.Method == "POST" && path == "/v1/videos")
        {
            var id = $"video_upstream_{Interlocked.Increment(ref _created)}";
            await JsonAsync(context, 200, $$"""{"id":"{{id}}","object":"video","created_at":1760000000,"status":"queued","progress":0,"model":"sora-2","seconds":"4","size":"1280x720"}""");
            return;
        }

        if (request.Method == "GET" && path.EndsWith("/content", StringComparison.Ordinal))
        {
            Downloads.Enqueue(path);
            context.Response.ContentType = "video/mp4";
            context.Response.ContentLength = Video.Length;
            await context.Response.Body.WriteAsync(Video);
            return;
        }

        if (request.Method == "GET" && path.StartsWith("/v1/videos/", StringComparison.Ordinal))
        {
            Polls.Enqueue(path);
            var id = path["/v1/videos/".Length..];
            switch (Outcome)
            {
                case "404":
                    await JsonAsync(context, 404, """{"error":{"message":"Video not found","type":"invalid_request_error"}}""");
                    break;
                case "failed":
                    await JsonAsync(context, 200, $$$"""{"id":"{{{id}}}","object":"video","status":"failed","progress":0,"error":{"code":"moderation_blocked","message":"The prompt was blocked by moderation."}}""");
                    break;
                case "completed":
                    await JsonAsync(context, 200, $$"""{"id":"{{id}}","object":"video","status":"completed","progress":100,"seconds":"4","size":"1280x720"}""");
                    break;
                default:
                    await JsonAsync(context, 200, $$"""{"id":"{{id}}","object":"video","status":"in_progress","progress":42}""");
                    break;
            }

            return;
        }

        await JsonAsync(context, 404, """{"error":{"message":"no such route"}}""");
    }

    private static async Task JsonAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    /// <summary>Creates a video task through the gateway (<c>POST /v1/videos</c>) with <paramref name="gatewayClient"/>'s key and returns its id.</summary>
    public static async Task<string> SubmitAsync(HttpClient gatewayClient, CancellationToken cancellationToken)
    {
        using var response = await gatewayClient.PostAsync("/v1/videos", new StringContent("""{"prompt":"a lighthouse in fog"}""", System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, text);
        return System.Text.Json.Nodes.JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    public ValueTask DisposeAsync() => Upstream.DisposeAsync();
}

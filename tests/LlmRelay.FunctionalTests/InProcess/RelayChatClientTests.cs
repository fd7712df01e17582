using System.Text.Json.Nodes;
using LlmRelay.Client;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.InProcess;

/// <summary>RelayChatClient inside the real sample gateway host, against a real Kestrel mock upstream.</summary>
public sealed class RelayChatClientTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.FlatPrice("openai-model", "anthropic-model", "gemini-model", "failover-model"),
            Settings.Channel(0, _upstream.BaseUrl, ["openai-model"], name: "oa", type: "openai", mapping: new() { ["openai-model"] = "gpt-4o" }),
            Settings.Channel(1, _upstream.BaseUrl, ["anthropic-model"], name: "an", type: "anthropic", mapping: new() { ["anthropic-model"] = "claude-sonnet-4-20250514" }),
            Settings.Channel(2, _upstream.BaseUrl, ["gemini-model"], name: "ge", type: "gemini", mapping: new() { ["gemini-model"] = "gemini-2.5-flash" }),
            Settings.Channel(3, _upstream.BaseUrl + "/broken", ["failover-model"], name: "broken", type: "openai", priority: 10),
            Settings.Channel(4, _upstream.BaseUrl, ["failover-model"], name: "healthy", type: "anthropic")));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("openai", "/v1/chat/completions", "gpt-4o")]
    [InlineData("anthropic", "/v1/messages", "claude-sonnet-4-20250514")]
    [InlineData("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", null)]
    public async Task GetResponseAsync_EachFamily_TextUsageAndOneLogRowWithQuota(string family, string path, string? upstreamModel)
    {
        var client = _gateway.Services.GetRequiredService<RelayChatClient>();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = family + "-model" }, Ct);

        Assert.Equal(FamilyUpstream.Text, response.Text);
        Assert.Equal(12, response.Usage?.InputTokenCount);
        Assert.Equal(4, response.Usage?.OutputTokenCount);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal(path, sent.PathAndQuery);
        if (upstreamModel is not null)
        {
            Assert.Equal(upstreamModel, JsonNode.Parse(sent.Body)!["model"]!.GetValue<string>());
        }

        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal("in-process", log.TokenName);
        Assert.Equal(family + "-model", log.ModelName);
        Assert.Equal(UsageLogType.Consume, log.Type);
        Assert.Equal(16, log.Quota);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    public async Task GetStreamingResponseAsync_EachFamily_UpdatesConcatenateWithUsageLast(string family)
    {
        var client = _gateway.Services.GetRelayChatClient(Settings.Key);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = family + "-model" }, Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(FamilyUpstream.Text, string.Concat(updates.Select(static u => u.Text)));
        var usage = Assert.IsType<UsageContent>(updates[^1].Contents.OfType<UsageContent>().Single());
        Assert.Equal(16, usage.Details.InputTokenCount + usage.Details.OutputTokenCount);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal("test-token", log.TokenName);
        Assert.True(log.IsStream);
        Assert.Equal(16, log.Quota);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_FirstChannel500_SecondAnswersOnce()
    {
        _upstream.Handler = async (context, request) =>
        {
            if (context.Request.Path.StartsWithSegments("/broken", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("""{"error":{"message":"boom","type":"server_error"}}""");
                return;
            }

            await FamilyUpstream.Handler(context, request);
        };
        var client = _gateway.Services.GetRequiredService<RelayChatClient>();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = "failover-model" }, Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(FamilyUpstream.Text, string.Concat(updates.Select(static u => u.Text)));
        Assert.Equal(2, _upstream.Requests.Count);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal("healthy", log.ChannelName);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Cancelled_AbortsUpstreamRequest()
    {
        var firstWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            firstWritten.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        var client = _gateway.Services.GetRequiredService<RelayChatClient>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = "openai-model" }, cts.Token))
            {
                Assert.Equal("Hel", update.Text);
                await firstWritten.Task;
                await cts.CancelAsync();
            }
        });

        await _upstream.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal(499, log.StatusCode);
    }
}

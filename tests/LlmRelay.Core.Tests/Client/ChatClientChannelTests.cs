using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.Channels;
using LlmRelay.Client;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Core.Tests.Client;

public sealed class ChatClientChannelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<RelayHarness> CreateAsync(FakeChatClient fake, params RelayChannel[] extra) =>
        RelayHarness.CreateAsync(
            [RelayHarness.Channel(7, ChannelTypes.ChatClient, "local", "inner-model", baseUrl: "chatclient://Local-Model"), .. extra],
            services => services.AddKeyedChatClient("Local-Model", fake));

    [Fact]
    public async Task RelayChatClient_ChatClientChannel_CallsKeyedClientDirectlyAndMeters()
    {
        var fake = new FakeChatClient();
        await using var relay = await CreateAsync(fake);

        var response = await relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = "local" }, Ct);

        Assert.Equal("local answer", response.Text);
        Assert.Equal("inner-model", fake.LastOptions?.ModelId);
        Assert.Empty(relay.Upstream.Requests);
        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal("chat-client-7", log.ChannelName);
        Assert.Equal(5, log.PromptTokens);
        Assert.Equal(3, log.CompletionTokens);
        Assert.True(log.Quota > 0);
    }

    [Fact]
    public async Task RelayChatClient_ChatClientChannelStream_PassesUpdatesThrough()
    {
        var fake = new FakeChatClient();
        await using var relay = await CreateAsync(fake);

        var text = new StringBuilder();
        await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = "local" }, Ct))
        {
            text.Append(update.Text);
        }

        Assert.Equal("local answer", text.ToString());
        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal(8, log.PromptTokens + log.CompletionTokens);
    }

    [Fact]
    public async Task RelayChatClient_ChatClientChannelThrows_FailsOverToNextChannel()
    {
        var fake = new FakeChatClient { Failure = new HttpRequestException("overloaded", null, HttpStatusCode.ServiceUnavailable) };
        await using var relay = await CreateAsync(fake, RelayHarness.Channel(8, ChannelTypes.OpenAI, "local", priority: -1));

        var response = await relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ModelId = "local" }, Ct);

        Assert.Equal(FakeUpstreamHandler.Text, response.Text);
        Assert.Equal("openai-8", Assert.Single(relay.DrainLogs()).ChannelName);
    }

    [Fact]
    public async Task Invoker_NonStream_AnswersOpenAIChatCompletion()
    {
        var fake = new FakeChatClient();
        await using var relay = await CreateAsync(fake);
        var invoker = relay.Services.GetRequiredService<ChatClientChannelInvoker>();
        using var request = Request("""{"model":"inner-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"temperature":0.5,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}""");

        using var response = await invoker.SendAsync(request, Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local answer", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", body["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(5, body["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(ChatRole.System, fake.LastMessages![0].Role);
        Assert.Equal(0.5f, fake.LastOptions!.Temperature);
        Assert.Equal("f", Assert.IsAssignableFrom<AIFunctionDeclaration>(Assert.Single(fake.LastOptions.Tools!)).Name);
    }

    [Fact]
    public async Task Invoker_Stream_AnswersOpenAIChunksWithUsageAndDone()
    {
        var fake = new FakeChatClient();
        await using var relay = await CreateAsync(fake);
        var invoker = relay.Services.GetRequiredService<ChatClientChannelInvoker>();
        using var request = Request("""{"model":"inner-model","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        using var response = await invoker.SendAsync(request, Ct);
        var sse = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(static e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(static e => JsonNode.Parse(e)!).ToList();
        Assert.Equal("local answer", string.Concat(chunks.Where(static c => c["choices"]!.AsArray().Count > 0).Select(static c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>())));
        Assert.Equal(3, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Invoker_ClientThrows_AnswersOpenAIErrorWithStatus()
    {
        var fake = new FakeChatClient { Failure = new HttpRequestException("slow down", null, HttpStatusCode.TooManyRequests) };
        await using var relay = await CreateAsync(fake);
        var invoker = relay.Services.GetRequiredService<ChatClientChannelInvoker>();
        using var request = Request("""{"model":"inner-model","messages":[{"role":"user","content":"Hi"}]}""");

        using var response = await invoker.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("slow down", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!["message"]!.GetValue<string>());
    }

    private static HttpRequestMessage Request(string json) => new(HttpMethod.Post, "chatclient://local/Local-Model/chat/completions")
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
    };
}

internal sealed class FakeChatClient : IChatClient
{
    public Exception? Failure { get; set; }

    public IList<ChatMessage>? LastMessages { get; private set; }

    public ChatOptions? LastOptions { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        LastMessages = [.. messages];
        LastOptions = options;
        if (Failure is not null)
        {
            throw Failure;
        }

        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "local answer"))
        {
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 3, TotalTokenCount = 8 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        LastMessages = [.. messages];
        LastOptions = options;
        if (Failure is not null)
        {
            throw Failure;
        }

        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "local ");
        yield return new ChatResponseUpdate(ChatRole.Assistant, "answer") { FinishReason = ChatFinishReason.Stop };
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 5, OutputTokenCount = 3 })]);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

using LlmRelay.Channels;
using LlmRelay.Client;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Selection;
using LlmRelay.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.InProcess;

/// <summary>A <c>chat-client</c> channel backed by a keyed IChatClient registered by the host application.</summary>
public sealed class ChatClientChannelTests : IAsyncLifetime
{
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _gateway = new GatewayFactory(
            Settings.Merge(Settings.Token(), Settings.FlatPrice("local-model")),
            services => services.AddKeyedChatClient("echo", new EchoChatClient()));
        _gateway.Start();

        // Declared through the store, as the management API would; configuration accepts chatclient:// too.
        using var scope = _gateway.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(new RelayChannel
        {
            Name = "echo-channel",
            Type = ChannelTypes.ChatClient,
            BaseUrl = "chatclient://echo",
            Models = ["local-model"],
        }, Ct);
        await _gateway.Services.GetRequiredService<ChannelCatalogProvider>().ReloadAsync(Ct);
    }

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task RelayChatClient_ChatClientChannel_AnswersInProcessAndLogs()
    {
        var client = _gateway.Services.GetRequiredService<RelayChatClient>();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "ping")], new ChatOptions { ModelId = "local-model" }, Ct);

        Assert.Equal("echo: ping", response.Text);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal("echo-channel", log.ChannelName);
        Assert.Equal(3, log.PromptTokens);
        Assert.Equal(2, log.CompletionTokens);
    }

    [Theory]
    [InlineData("/v1/chat/completions", "{\"model\":\"local-model\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}", "choices")]
    [InlineData("/v1/messages", "{\"model\":\"local-model\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}", "content")]
    public async Task HttpEndpoints_ChatClientChannel_AnswerInTheCallersFormat(string path, string body, string field)
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Contains("echo: ping", text, StringComparison.Ordinal);
        Assert.NotNull(System.Text.Json.Nodes.JsonNode.Parse(text)![field]);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal("echo-channel", log.ChannelName);
        Assert.Equal(5, log.Quota);
    }

    private sealed class EchoChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + messages.Last().Text))
            {
                Usage = new UsageDetails { InputTokenCount = 3, OutputTokenCount = 2 },
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

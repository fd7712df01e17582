using System.Net;
using System.Text;
using LlmRelay.Channels;
using LlmRelay.Client;
using LlmRelay.Configuration;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmRelay.Core.Tests.Client;

/// <summary>A relay built from DI with in-memory stores and a fake upstream handler, for RelayChatClient tests.</summary>
internal sealed class RelayHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private RelayHarness(ServiceProvider provider, FakeUpstreamHandler upstream)
    {
        _provider = provider;
        Upstream = upstream;
    }

    public FakeUpstreamHandler Upstream { get; }

    public IServiceProvider Services => _provider;

    public RelayChatClient Client => _provider.GetRequiredService<RelayChatClient>();

    public static async Task<RelayHarness> CreateAsync(IEnumerable<RelayChannel> channels, Action<IServiceCollection>? configure = null, Action<LlmRelayOptions>? options = null)
    {
        var upstream = new FakeUpstreamHandler();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton(new UpstreamInvoker(upstream));
        services.AddLlmRelay(o =>
        {
            o.Pricing.Models["flat"] = new LlmRelay.Pricing.ModelPrice { ModelRatio = 1, CompletionRatio = 1 };
            options?.Invoke(o);
        }).AddInMemoryStores();
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IChannelStore>();
        foreach (var channel in channels)
        {
            await store.AddAsync(channel);
        }

        await provider.GetRequiredService<ChannelCatalogProvider>().ReloadAsync(CancellationToken.None);
        return new RelayHarness(provider, upstream);
    }

    public static RelayChannel Channel(long id, string type, string model, string? upstreamModel = null, long priority = 0, string baseUrl = "https://upstream.test") => new()
    {
        Id = id,
        Name = $"{type}-{id}",
        Type = type,
        BaseUrl = baseUrl,
        Keys = ["sk-upstream-secret-key-0001"],
        Models = [model],
        ModelMapping = upstreamModel is null ? [] : new() { [model] = upstreamModel },
        Priority = priority,
    };

    public List<UsageLog> DrainLogs()
    {
        var logs = new List<UsageLog>();
        var queue = _provider.GetRequiredService<UsageLogQueue>();
        while (queue.TryRead(out var log))
        {
            logs.Add(log);
        }

        return logs;
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

/// <summary>Plays OpenAI, Anthropic and Gemini upstreams by path, or runs a custom responder.</summary>
internal sealed class FakeUpstreamHandler : HttpMessageHandler
{
    public const string Text = "Hello from upstream";

    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

    public Func<HttpRequestMessage, string, CancellationToken, Task<HttpResponseMessage>>? Responder { get; set; }

    public static HttpResponseMessage Answer(string body, bool sse = false, HttpStatusCode status = HttpStatusCode.OK) => new(status)
    {
        Content = new StringContent(body, Encoding.UTF8, sse ? "text/event-stream" : "application/json"),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request, body));
        }

        if (Responder is { } responder)
        {
            return await responder(request, body, cancellationToken);
        }

        var path = request.RequestUri!.AbsolutePath;
        var stream = body.Contains("\"stream\":true", StringComparison.Ordinal) || path.Contains(":streamGenerateContent", StringComparison.Ordinal);
        if (path.EndsWith("/messages", StringComparison.Ordinal))
        {
            return Answer(stream ? Wire.AnthropicStream : Wire.AnthropicJson, stream);
        }

        if (path.Contains("generateContent", StringComparison.OrdinalIgnoreCase))
        {
            return Answer(stream ? Wire.GeminiStream : Wire.GeminiJson, stream);
        }

        return Answer(stream ? Wire.OpenAIStream : Wire.OpenAIJson, stream);
    }

    public static class Wire
    {
        public const string OpenAIJson = """{"id":"chatcmpl-1","object":"chat.completion","created":1766084435,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from upstream"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}""";

        public const string OpenAIStream =
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello from\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" upstream\"},\"finish_reason\":\"stop\"}]}\n\n" +
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}\n\n" +
            "data: [DONE]\n\n";

        public const string AnthropicJson = """{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"Hello from upstream"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":4}}""";

        public const string AnthropicStream =
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n" +
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello from\"}}\n\n" +
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" upstream\"}}\n\n" +
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4}}\n\n" +
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

        public const string GeminiJson = """{"candidates":[{"content":{"parts":[{"text":"Hello from upstream"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":4,"totalTokenCount":16},"modelVersion":"gemini-2.5-flash","responseId":"r1"}""";

        public const string GeminiStream =
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hello from\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":2,\"totalTokenCount\":14},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n" +
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" upstream\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":4,\"totalTokenCount\":16},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n";
    }
}

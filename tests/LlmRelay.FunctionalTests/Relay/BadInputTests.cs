using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Oversized, malformed and ambiguous relay bodies (issue #13, items 14-17): each gets a 4xx in the caller's shape and nothing reaches the upstream.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, _upstream.BaseUrl, ["gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small"], name: "oa"),
            Settings.Channel(1, _upstream.BaseUrl, ["claude-sonnet-4"], name: "an", type: "anthropic")));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    /// <summary>A body sent chunked: no Content-Length, so only limits enforced while reading can stop it.</summary>
    internal static StreamContent Chunked(byte[] body)
    {
        var content = new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    private static byte[] ChatBody(int contentLength)
    {
        var prefix = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""u8.ToArray();
        var suffix = "\"}]}"u8.ToArray();
        var body = new byte[prefix.Length + contentLength + suffix.Length];
        prefix.CopyTo(body, 0);
        body.AsSpan(prefix.Length, contentLength).Fill((byte)'a');
        suffix.CopyTo(body, prefix.Length + contentLength);
        return body;
    }

    private static async Task<JsonNode> ErrorOfAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

    [Fact]
    public async Task ChunkedBody_AboveKestrelsDefaultButWithinTheRelayLimit_IsRelayed()
    {
        // Kestrel's own default limit is 30,000,000 bytes; LlmRelay:MaxRequestBodySize (32 MiB) is the one that applies.
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        var body = ChatBody(31_000_000);

        using var response = await client.PostAsync("/v1/chat/completions", Chunked(body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal(body.Length, sent.Body.Length);
    }

    [Fact]
    public async Task ChunkedBody_AboveTheRelayLimit_Is413InTheCallersShape()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", Chunked(ChatBody(33 * 1024 * 1024)), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("invalid_request_error", (await ErrorOfAsync(response))["error"]!["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    public static TheoryData<string, string> MalformedOpenAIBodies => new()
    {
        { "/v1/chat/completions", """{"model":123,"messages":[{"role":"user","content":"x"}]}""" },
        { "/v1/chat/completions", """{"model":"gpt-4o","messages":"x"}""" },
        { "/v1/chat/completions", """{"model":"gpt-4o","stream":"yes","messages":[{"role":"user","content":"x"}]}""" },
        { "/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"model":"gpt-4o"}""" },
        { "/v1/chat/completions", """{"model":"gpt-4o","stream":false,"messages":[{"role":"user","content":"x"}],"stream":true}""" },
        { "/v1/completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"x","model":"gpt-3.5-turbo-instruct"}""" },
        { "/v1/embeddings", """{"model":"text-embedding-3-small","input":"x","model":"text-embedding-3-small"}""" },
        { "/v1/responses", """{"model":"gpt-4o","input":"x","stream":true,"stream":false}""" },
        { "/v1/embeddings", """{"model":{"name":"text-embedding-3-small"},"input":"x"}""" },
    };

    [Theory]
    [MemberData(nameof(MalformedOpenAIBodies))]
    public async Task WrongTypesAndDuplicateKeys_Are400_AndNeverForwarded(string path, string body)
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, Chunked(Encoding.UTF8.GetBytes(body)), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await ErrorOfAsync(response))["error"]!["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"bad ~ here"}]}""")]
    [InlineData("/v1/completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"x","user":"~"}""")]
    [InlineData("/v1/embeddings", """{"model":"text-embedding-3-small","input":"~"}""")]
    [InlineData("/v1/responses", """{"model":"gpt-4o","input":"x","metadata":{"~":"1"}}""")]
    public async Task InvalidUtf8_IsA400InTheCallersShape_AndNeverForwarded(string path, string template)
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, Chunked(WithInvalidUtf8(template)), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await ErrorOfAsync(response))["error"]!["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task CountTokens_InvalidUtf8_IsA400InAnthropicsShape()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/messages/count_tokens", Chunked(WithInvalidUtf8("""{"model":"claude-sonnet-4","messages":[{"role":"user","content":"bad ~ here"}]}""")), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOfAsync(response);
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task AnthropicMessages_DuplicateModel_IsA400InAnthropicsShape()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/messages", Chunked("""{"model":"claude-sonnet-4","max_tokens":5,"messages":[{"role":"user","content":"x"}],"model":"gpt-4o"}"""u8.ToArray()), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await ErrorOfAsync(response))["error"]!["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Fact(Timeout = 120_000)]
    public async Task CountTokens_TwoMegabytesOfOneCharacter_AnswersWithASaneCount()
    {
        // BPE over one 2 MB pre-tokenizer piece is quadratic: the old code ran for minutes. The timeout fails a hang, not a slow run.
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        var body = Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4","messages":[{"role":"user","content":""" + "\"" + new string('a', 2 * 1024 * 1024) + "\"}]}");

        using var response = await client.PostAsync("/v1/messages/count_tokens", Chunked(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var count = (await ErrorOfAsync(response))["input_tokens"]!.GetValue<int>();
        Assert.InRange(count, (2 * 1024 * 1024) / 64, (2 * 1024 * 1024) / 2);
        Assert.Empty(_upstream.Requests);
    }

    /// <summary>Replaces the <c>~</c> of <paramref name="template"/> with bytes that are not UTF-8 (a lone continuation byte and an overlong form).</summary>
    private static byte[] WithInvalidUtf8(string template)
    {
        var utf8 = Encoding.UTF8.GetBytes(template);
        var at = Array.IndexOf(utf8, (byte)'~');
        return [.. utf8.AsSpan(0, at), 0x80, 0xC0, 0xAF, .. utf8.AsSpan(at + 1)];
    }
}

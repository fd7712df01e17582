using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.Formats.OpenAI;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.PassThrough;

public sealed class OpenAIChatRequestTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static string Patch(string body, string model)
    {
        var bytes = Utf8(body);
        Assert.Null(OpenAIChatRequestReader.TryRead(bytes, out var info));
        var output = new ArrayBufferWriter<byte>();
        OpenAIChatRequestPatcher.Patch(bytes, info, model, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void TryRead_ReadsRoutingFields()
    {
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"stream":true,"model":"gpt\u002d4o","max_tokens":77,"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}"""), out var info));

        Assert.Equal("gpt-4o", info.Model);
        Assert.True(info.Stream);
        Assert.True(info.IncludeUsage);
        Assert.Equal(77, info.MaxTokens);
    }

    [Theory]
    [InlineData("", FormatErrorKind.InvalidJson, null)]
    [InlineData("{\"model\":\"m\",", FormatErrorKind.InvalidJson, null)]
    [InlineData("{\"model\":\"m\",\"messages\":[{}]} trailing", FormatErrorKind.InvalidJson, null)]
    [InlineData("null", FormatErrorKind.InvalidShape, null)]
    [InlineData("{\"model\":\"\",\"messages\":[{}]}", FormatErrorKind.InvalidShape, "model")]
    [InlineData("{\"model\":\"m\",\"messages\":[1]}", FormatErrorKind.InvalidShape, "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"max_tokens\":-1}", FormatErrorKind.InvalidShape, "max_tokens")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream_options\":3}", FormatErrorKind.InvalidShape, "stream_options")]
    internal void TryRead_BadInput_ReturnsATypedError(string body, FormatErrorKind kind, string? param)
    {
        var error = OpenAIChatRequestReader.TryRead(Utf8(body), out _);

        Assert.NotNull(error);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(param, error.Code);
    }

    [Theory]
    [InlineData("{\"model\":123,\"messages\":[{}]}", "model")]
    [InlineData("{\"model\":\"m\",\"messages\":\"x\"}", "messages")]
    [InlineData("{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{}]}", "stream")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"model\":\"other\"}", "model")]
    [InlineData("{\"model\":\"m\",\"model\":\"m\",\"messages\":[{}]}", "model")]
    [InlineData("{\"model\":\"m\",\"stream\":false,\"messages\":[{}],\"stream\":true}", "stream")]
    [InlineData("{\"model\":\"m\",\"stream\":null,\"messages\":[{}],\"stream\":true}", "stream")]
    [InlineData("{\"model\":\"\\ud800\",\"messages\":[{}]}", "model")]
    [InlineData("{\"m\\u006fdel\":\"m\",\"messages\":[{}],\"model\":\"other\"}", "model")]
    internal void TryRead_WrongTypesOrDuplicateRoutingKeys_NameTheParameter(string body, string param)
    {
        var error = OpenAIChatRequestReader.TryRead(Utf8(body), out _);

        Assert.NotNull(error);
        Assert.Equal(FormatErrorKind.InvalidShape, error.Kind);
        Assert.Equal(param, error.Code);
    }

    [Fact]
    public void TryRead_DuplicateKeysInsideMessages_AreNotTheRoutingKeys() =>
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"m","messages":[{"model":"a","stream":1,"model":"b"}],"metadata":{"stream":true,"stream":false}}"""), out _));

    [Theory]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"content\":\"~\"}]}")]
    [InlineData("{\"model\":\"~\",\"messages\":[{}]}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"~\":1}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"metadata\":{\"k\":[\"~\"]}}")]
    internal void TryRead_InvalidUtf8AnywhereInTheBody_IsInvalidJson(string template)
    {
        var utf8 = Utf8(template);
        var at = Array.IndexOf(utf8, (byte)'~');
        foreach (byte[] bad in (byte[][])[[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]])
        {
            byte[] body = [.. utf8.AsSpan(0, at), .. bad, .. utf8.AsSpan(at + 1)];

            var error = OpenAIChatRequestReader.TryRead(body, out _);

            Assert.NotNull(error);
            Assert.Equal(FormatErrorKind.InvalidJson, error.Kind);
        }
    }

    [Fact]
    public void TryRead_SessionAffinityFields_AreReadForChatAndResponses()
    {
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"m","messages":[{"role":"user","content":"x"}],"prompt_cache_key":"conv-1"}"""), out var chat));
        Assert.Equal("conv-1", chat.PromptCacheKey);
        Assert.Null(chat.PreviousResponseId);

        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"m","input":"x","prompt_cache_key":null,"previous_response_id":"resp_1"}"""), RequestShape.OpenAIResponses, out var responses));
        Assert.Null(responses.PromptCacheKey);
        Assert.Equal("resp_1", responses.PreviousResponseId);

        // Only the shapes that define them: elsewhere they are unknown fields, passed over.
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"m","messages":[{"role":"user","content":"x"}],"previous_response_id":5}"""), out var other));
        Assert.Null(other.PreviousResponseId);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"prompt_cache_key":1}""", RequestShape.OpenAIChat, "prompt_cache_key")]
    [InlineData("""{"model":"m","input":"x","previous_response_id":["resp_1"]}""", RequestShape.OpenAIResponses, "previous_response_id")]
    public void TryRead_NonStringSessionAffinityField_IsRefusedNamingIt(string body, RequestShape shape, string param)
    {
        var error = OpenAIChatRequestReader.TryRead(Utf8(body), shape, out _);

        Assert.NotNull(error);
        Assert.Equal(param, error.Code);
        Assert.Equal($"'{param}' must be a string.", error.Message);
    }

    [Fact]
    public void TryRead_ValidMultiByteText_IsAccepted() =>
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"m","messages":[{"content":"héllo 你好 😀 \ud83d\ude00"}]}"""), out _));

    [Fact]
    public void Patch_ReplacesOnlyTheModelToken()
    {
        const string Body = """{ "model" : "alias", "messages":[{"role":"user","content":"model \"alias\""}] }""";

        Assert.Equal("""{ "model" : "real\u002Bmodel", "messages":[{"role":"user","content":"model \"alias\""}] }""", Patch(Body, "real+model"));
    }

    [Fact]
    public void Patch_StreamWithoutOptions_InsertsIncludeUsage()
    {
        var patched = Patch("""{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}""", "m");

        Assert.Equal("""{"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}""", patched);
    }

    [Fact]
    public void Patch_StreamWithOtherOptions_KeepsThem()
    {
        var patched = JsonNode.Parse(Patch("""{"model":"a","stream":true,"stream_options":{"include_usage":false,"x":1},"messages":[{"role":"user","content":"x"}]}""", "b"))!;

        Assert.Equal("b", patched["model"]!.GetValue<string>());
        Assert.True(patched["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal(1, patched["stream_options"]!["x"]!.GetValue<int>());
    }

    [Fact]
    public void NeedsPatch_SameModelNoStream_IsFalse()
    {
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"m","messages":[{}]}"""), out var info));

        Assert.False(OpenAIChatRequestPatcher.NeedsPatch(info, "m"));
        Assert.True(OpenAIChatRequestPatcher.NeedsPatch(info, "n"));
    }

    [Fact]
    public void AnthropicBodyWithoutMaxTokens_IsValid_AndThePatchInsertsTheDefault()
    {
        var bytes = Utf8("""{"model":"claude","messages":[{"role":"user","content":"x"}]}""");
        Assert.Null(OpenAIChatRequestReader.TryRead(bytes, RequestShape.AnthropicMessages, out var info));
        Assert.False(info.HasMaxTokens);

        Assert.True(OpenAIChatRequestPatcher.NeedsPatch(info, "claude", askForUsage: false, defaultMaxTokens: 8192));
        Assert.False(OpenAIChatRequestPatcher.NeedsPatch(info, "claude", askForUsage: false));
        var output = new ArrayBufferWriter<byte>();
        OpenAIChatRequestPatcher.Patch(bytes, info, "claude-real", output, askForUsage: false, defaultMaxTokens: 8192);

        Assert.Equal("""{"max_tokens":8192,"model":"claude-real","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("""{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"x"}]}""")]
    [InlineData("""{"model":"claude","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""")]
    public void AnthropicBodyWithMaxTokens_IsNotGivenTheDefault(string body)
    {
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8(body), RequestShape.AnthropicMessages, out var info));

        Assert.True(info.HasMaxTokens);
        Assert.False(OpenAIChatRequestPatcher.NeedsPatch(info, "claude", askForUsage: false, defaultMaxTokens: 8192));
    }

    [Theory]
    [InlineData("""{"model":"claude","max_tokens":null,"messages":[{"role":"user","content":"x"}]}""")]
    public void AnthropicBodyWithNullMaxTokens_IsRefused(string body)
    {
        var error = OpenAIChatRequestReader.TryRead(Utf8(body), RequestShape.AnthropicMessages, out _);

        Assert.Equal("max_tokens", error?.Code);
    }

    [Fact]
    public void AnthropicBodyWithOnlyMaxCompletionTokens_StillGetsTheDefault()
    {
        Assert.Null(OpenAIChatRequestReader.TryRead(Utf8("""{"model":"claude","max_completion_tokens":5,"messages":[{"role":"user","content":"x"}]}"""), RequestShape.AnthropicMessages, out var info));

        Assert.False(info.HasMaxTokens);
    }

    [Theory]
    [InlineData("chat-nonstream-text.request.json")]
    [InlineData("chat-nonstream-parallel-tool-calls.request.json")]
    [InlineData("chat-nonstream-after-tool-results.request.json")]
    [InlineData("chat-stream-text-include-usage.request.json")]
    public void TryRead_RecordedRequests_AreValid(string file)
    {
        var body = File.ReadAllBytes(Path.Combine(TestPaths.RequireSharedUpstream(), "openai", file));

        Assert.Null(OpenAIChatRequestReader.TryRead(body, out var info));
        Assert.NotEmpty(info.Model);
    }

    [Theory]
    [InlineData("chat-nonstream-text.json", 0)]
    [InlineData("chat-nonstream-cached-tokens.json", 1024)]
    public void UsageReader_RecordedBodies_YieldUsage(string file, int cached)
    {
        var body = File.ReadAllBytes(Path.Combine(TestPaths.RequireSharedUpstream(), "openai", file));

        Assert.True(OpenAIUsageReader.TryRead(body, out var usage));
        Assert.True(usage.InputTokens > 0);
        Assert.True(usage.OutputTokens > 0);
        Assert.Equal(cached, usage.CachedInputTokens);
    }

    [Fact]
    public void UsageReader_ReasoningTokens_AreRead()
    {
        var body = File.ReadAllBytes(Path.Combine(TestPaths.RequireSharedUpstream(), "openai", "chat-nonstream-reasoning-tokens.json"));

        Assert.True(OpenAIUsageReader.TryRead(body, out var usage));
        Assert.Equal(64, usage.ReasoningTokens);
    }

    [Fact]
    public void UsageReader_NullUsage_IsNotUsage() =>
        Assert.False(OpenAIUsageReader.TryRead("""{"choices":[],"usage" : null}"""u8, out _));
}

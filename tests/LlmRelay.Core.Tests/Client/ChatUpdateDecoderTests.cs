using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.Client;
using LlmRelay.Core.Tests.Health;
using LlmRelay.Formats;
using Microsoft.Extensions.AI;

namespace LlmRelay.Core.Tests.Client;

/// <summary>
/// The recorded upstream streams (../shared/fixtures/upstream), decoded straight into <see cref="ChatResponseUpdate"/> values.
/// What each stream says (text, reasoning, tool calls, ids) is read from the fixture by <see cref="RecordedStream"/>, a
/// separate JsonDocument reading of the events; usage is the fixture's last usage object, normalised by hand below.
/// </summary>
public sealed class ChatUpdateDecoderTests
{
    /// <summary>file, family (a <see cref="WireFormat"/> name), then the normalised usage: input (whole prompt), output (with reasoning), cached input, reasoning.</summary>
    public static TheoryData<string, string, long, long, long, long> Recorded => new()
    {
        { "openai/chat-stream-text-include-usage.sse", nameof(WireFormat.OpenAIChat), 16, 10, 0, 0 },
        { "openai/chat-stream-parallel-tool-calls.sse", nameof(WireFormat.OpenAIChat), 75, 53, 0, 0 },
        { "openai/chat-stream-cached-tokens-include-usage.sse", nameof(WireFormat.OpenAIChat), 1144, 2, 1024, 0 },
        { "openai/responses-stream-text.sse", nameof(WireFormat.OpenAIResponses), 16, 11, 0, 0 },
        { "openai/responses-stream-function-call.sse", nameof(WireFormat.OpenAIResponses), 36, 54, 0, 0 },
        { "openai/responses-stream-reasoning-summary.sse", nameof(WireFormat.OpenAIResponses), 32, 839, 0, 832 },
        { "anthropic/messages-stream-text.sse", nameof(WireFormat.Anthropic), 17, 15, 0, 0 },
        { "anthropic/messages-stream-tool-use.sse", nameof(WireFormat.Anthropic), 416, 109, 0, 0 },
        { "anthropic/messages-stream-thinking.sse", nameof(WireFormat.Anthropic), 171, 107, 0, 0 },
        { "anthropic/messages-stream-thinking-haiku45.sse", nameof(WireFormat.Anthropic), 46, 133, 0, 0 },
        { "anthropic/messages-stream-cache-read.sse", nameof(WireFormat.Anthropic), 3 + 1217, 6, 1217, 0 }, // input_tokens + cache reads
        { "gemini/streamgeneratecontent-sse-text.sse", nameof(WireFormat.Gemini), 13, 63 + 75, 0, 75 }, // candidates + thoughts
        { "gemini/streamgeneratecontent-sse-text-multichunk.sse", nameof(WireFormat.Gemini), 13, 8, 0, 0 },
        { "gemini/streamgeneratecontent-sse-function-call.sse", nameof(WireFormat.Gemini), 70, 40 + 61, 0, 61 },
        { "gemini/streamgeneratecontent-sse-after-function-response.sse", nameof(WireFormat.Gemini), 211, 30, 0, 0 },
        { "gemini/streamgeneratecontent-sse-thinking.sse", nameof(WireFormat.Gemini), 30, 1947, 0, 1947 },
        { "gemini/streamgeneratecontent-sse-thinking-gemini3.sse", nameof(WireFormat.Gemini), 13, 30 + 308, 0, 308 },
        { "gemini/streamgeneratecontent-sse-google-search-tool-use-prompt-tokens.sse", nameof(WireFormat.Gemini), 32 + 253, 49 + 430, 0, 430 }, // prompt + tool-use prompt
    };

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Decode_RecordedStreamInAnyChunking_YieldsItsTextToolCallsFinishAndUsage(string file, string familyName, long input, long output, long cached, long reasoning)
    {
        var family = Enum.Parse<WireFormat>(familyName);
        var bytes = File.ReadAllBytes(Path.Combine(UpstreamFixtures.Require(), file));
        var expected = RecordedStream.Read(family, bytes);

        foreach (var (name, chunks) in Chunkings(bytes.Length))
        {
            var (updates, decoder) = Decode(family, bytes, chunks);
            using (decoder)
            {
                Assert.Null(decoder.Error);
                Assert.Equal(expected.Text, string.Concat(updates.SelectMany(static u => u.Contents).OfType<TextContent>().Select(static c => c.Text)));
                Assert.Equal(expected.Reasoning, string.Concat(updates.SelectMany(static u => u.Contents).OfType<TextReasoningContent>().Select(static c => c.Text)));

                var calls = updates.SelectMany(static u => u.Contents).OfType<FunctionCallContent>().ToList();
                Assert.Equal(expected.Calls.Select(static c => (c.Id, c.Name)), calls.Select(static c => (c.CallId, c.Name)));
                for (var i = 0; i < calls.Count; i++)
                {
                    Assert.Null(calls[i].Exception);
                    var arguments = JsonSerializer.SerializeToNode(calls[i].Arguments, AIJsonUtilities.DefaultOptions);
                    Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.Calls[i].Arguments), arguments), $"{name}: arguments of call {i}: {arguments}");
                }

                var finish = Assert.Single(updates, static u => u.FinishReason is not null).FinishReason;
                Assert.Equal(calls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop, finish); // Every recording ends normally.

                var usage = Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents)).Details;
                Assert.Single(updates.SelectMany(static u => u.Contents).OfType<UsageContent>());
                Assert.Equal((input, output, cached, reasoning), (usage.InputTokenCount, usage.OutputTokenCount, usage.CachedInputTokenCount ?? 0, usage.ReasoningTokenCount ?? 0));
                var reported = Assert.NotNull(decoder.Usage);
                Assert.Equal((input, output, cached, reasoning), (reported.InputTokens, reported.OutputTokens, reported.CachedInputTokens, reported.ReasoningTokens));

                Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
                Assert.All(updates, u => Assert.Equal(expected.Id, u.ResponseId));
                Assert.All(updates, u => Assert.Equal(expected.Model, u.ModelId));
            }
        }
    }

    [Theory]
    [InlineData("openai/responses-stream-error-insufficient-quota.sse", nameof(WireFormat.OpenAIResponses), "insufficient_quota")]
    [InlineData("anthropic/messages-stream-midstream-error.partial.sse", nameof(WireFormat.Anthropic), "api_error")]
    public void Decode_RecordedErrorEvent_ReportsTheErrorAfterTheTextBeforeIt(string file, string familyName, string code)
    {
        var family = Enum.Parse<WireFormat>(familyName);
        var bytes = File.ReadAllBytes(Path.Combine(UpstreamFixtures.Require(), file));
        var expected = RecordedStream.Read(family, bytes);

        foreach (var (_, chunks) in Chunkings(bytes.Length))
        {
            var (updates, decoder) = Decode(family, bytes, chunks);
            using (decoder)
            {
                Assert.Equal(code, decoder.ErrorCode);
                Assert.False(string.IsNullOrEmpty(decoder.Error));
                Assert.Equal(expected.Text, string.Concat(updates.Select(static u => u.Text)));
                Assert.All(updates, static u => Assert.Null(u.FinishReason)); // A failed stream does not claim to have finished.
            }
        }
    }

    [Fact]
    public void Decode_JsonErrorBodyServedAsTheStream_ReportsItsError()
    {
        // Gemini answers a bad key on streamGenerateContent with a plain JSON body (no data: framing).
        var bytes = File.ReadAllBytes(Path.Combine(UpstreamFixtures.Require(), "gemini/error-400-api-key-invalid.stream.json"));

        var (updates, decoder) = Decode(WireFormat.Gemini, bytes, [bytes.Length]);
        using (decoder)
        {
            Assert.Empty(updates);
            Assert.Equal("INVALID_ARGUMENT", decoder.ErrorCode);
            Assert.Contains("API key not valid", decoder.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_StreamThatJustStops_EndsWithoutAFinishReasonOrError()
    {
        var bytes = "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"u8.ToArray();

        var (updates, decoder) = Decode(WireFormat.OpenAIChat, bytes, [bytes.Length]);
        using (decoder)
        {
            Assert.Null(decoder.Error);
            Assert.Equal("Hel", Assert.Single(updates).Text);
            Assert.Null(updates[0].FinishReason);
        }
    }

    private static (List<ChatResponseUpdate> Updates, ChatUpdateDecoder Decoder) Decode(WireFormat family, byte[] bytes, IEnumerable<int> chunks)
    {
        var decoder = new ChatUpdateDecoder(family);
        var updates = new List<ChatResponseUpdate>();
        var offset = 0;
        foreach (var size in chunks)
        {
            decoder.Write(bytes.AsSpan(offset, size), updates);
            offset += size;
        }

        Assert.Equal(bytes.Length, offset);
        decoder.Complete(updates);
        return (updates, decoder);
    }

    /// <summary>The whole body at once, one byte at a time (so every byte boundary is a chunk boundary), and random small chunks.</summary>
    private static IEnumerable<(string Name, int[] Chunks)> Chunkings(int length)
    {
        yield return ("whole", [length]);
        yield return ("bytewise", Enumerable.Repeat(1, length).ToArray());
        for (var seed = 1; seed <= 3; seed++)
        {
            var random = new Random(seed);
            var chunks = new List<int>();
            for (var left = length; left > 0;)
            {
                var size = Math.Min(left, random.Next(1, 97));
                chunks.Add(size);
                left -= size;
            }

            yield return ($"random seed {seed}", chunks.ToArray());
        }
    }

    /// <summary>What a recorded stream says, read event by event with <see cref="JsonDocument"/>.</summary>
    private sealed record RecordedStream(string Text, string Reasoning, List<(string Id, string Name, string Arguments)> Calls, string? Id, string? Model)
    {
        public static RecordedStream Read(WireFormat family, byte[] body)
        {
            var text = new StringBuilder();
            var reasoning = new StringBuilder();
            var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
            string? id = null, model = null;
            foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                if (!trimmed.StartsWith("data:", StringComparison.Ordinal) || trimmed.EndsWith("[DONE]", StringComparison.Ordinal))
                {
                    continue;
                }

                using var document = JsonDocument.Parse(trimmed[5..]);
                var e = document.RootElement;
                switch (family)
                {
                    case WireFormat.OpenAIChat:
                        id ??= Str(e, "id");
                        model ??= Str(e, "model");
                        foreach (var choice in Items(e, "choices"))
                        {
                            var delta = choice.GetProperty("delta");
                            text.Append(Str(delta, "content"));
                            foreach (var call in Items(delta, "tool_calls"))
                            {
                                var index = call.GetProperty("index").GetInt32();
                                if (!calls.TryGetValue(index, out var pending))
                                {
                                    calls[index] = pending = (Str(call, "id")!, Str(call.GetProperty("function"), "name")!, new StringBuilder());
                                }

                                pending.Arguments.Append(Str(call.GetProperty("function"), "arguments"));
                            }
                        }

                        break;
                    case WireFormat.Anthropic:
                        var type = Str(e, "type");
                        if (type == "message_start")
                        {
                            id = Str(e.GetProperty("message"), "id");
                            model = Str(e.GetProperty("message"), "model");
                        }
                        else if (type == "content_block_start" && Str(e.GetProperty("content_block"), "type") == "tool_use")
                        {
                            calls[e.GetProperty("index").GetInt32()] = (Str(e.GetProperty("content_block"), "id")!, Str(e.GetProperty("content_block"), "name")!, new StringBuilder());
                        }
                        else if (type == "content_block_delta")
                        {
                            var delta = e.GetProperty("delta");
                            text.Append(Str(delta, "text"));
                            reasoning.Append(Str(delta, "thinking"));
                            if (Str(delta, "partial_json") is { } json)
                            {
                                calls[e.GetProperty("index").GetInt32()].Arguments.Append(json);
                            }
                        }

                        break;
                    case WireFormat.Gemini:
                        id ??= Str(e, "responseId");
                        model ??= Str(e, "modelVersion");
                        foreach (var part in Items(e, "candidates").Take(1).SelectMany(static c => c.TryGetProperty("content", out var content) ? Items(content, "parts") : []))
                        {
                            if (part.TryGetProperty("functionCall", out var call))
                            {
                                var args = call.TryGetProperty("args", out var a) ? a.GetRawText() : "{}";
                                // A thought signature rides in the call id, so an in-process caller sends it back too (issue #16).
                                var callId = LlmRelay.Formats.Gemini.GeminiThoughtSignature.Fold(Str(call, "id") ?? $"call_{id}_{calls.Count}", Str(part, "thoughtSignature"));
                                calls[calls.Count] = (callId, Str(call, "name")!, new StringBuilder(args));
                            }
                            else if (part.TryGetProperty("thought", out var thought) && thought.GetBoolean())
                            {
                                reasoning.Append(Str(part, "text"));
                            }
                            else
                            {
                                text.Append(Str(part, "text"));
                            }
                        }

                        break;
                    case WireFormat.OpenAIResponses:
                        switch (Str(e, "type"))
                        {
                            case "response.created":
                                id = Str(e.GetProperty("response"), "id");
                                model = Str(e.GetProperty("response"), "model");
                                break;
                            case "response.output_text.delta":
                                text.Append(Str(e, "delta"));
                                break;
                            case "response.reasoning_summary_text.delta":
                                reasoning.Append(Str(e, "delta"));
                                break;
                            case "response.output_item.added" when Str(e.GetProperty("item"), "type") == "function_call":
                                var item = e.GetProperty("item");
                                calls[e.GetProperty("output_index").GetInt32()] = (Str(item, "call_id")!, Str(item, "name")!, new StringBuilder(Str(item, "arguments")));
                                break;
                            case "response.function_call_arguments.delta":
                                calls[e.GetProperty("output_index").GetInt32()].Arguments.Append(Str(e, "delta"));
                                break;
                        }

                        break;
                }
            }

            return new RecordedStream(text.ToString(), reasoning.ToString(), [.. calls.Values.Select(static c => (c.Id, c.Name, c.Arguments.ToString()))], id, model);
        }

        private static string? Str(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static JsonElement[] Items(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToArray() : [];
    }
}

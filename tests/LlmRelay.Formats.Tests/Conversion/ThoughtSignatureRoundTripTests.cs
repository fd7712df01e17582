using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Gemini;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.Conversion;

/// <summary>A Gemini <c>thoughtSignature</c> folded into the call id a non-Gemini caller echoes, and restored byte for byte (issue #16).</summary>
public sealed class ThoughtSignatureRoundTripTests
{
    // Every base64 character that is not URL-safe, and padding.
    private const string Signature = "Ab+/cd+/Ef==";

    [Theory]
    [InlineData(WireFormat.OpenAIChat)]
    [InlineData(WireFormat.Anthropic)]
    [InlineData(WireFormat.OpenAIResponses)]
    public void StreamedSignature_EscapedByTheUpstream_ComesBackOnTheFunctionCall(WireFormat caller)
    {
        // A JSON writer may escape '/' and '+'; the folded id carries the signature's bytes, not its escaping.
        var sse = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"f\",\"args\": {\"a\": 1}},\"thoughtSignature\": \"Ab\\u002b\\/cd+/Ef==\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"responseId\": \"r1\"}\r\n\r\n";

        (byte[] output, FormatError? error, _) = StreamHarness.Rewrite(WireFormat.Gemini, caller, Encoding.UTF8.GetBytes(sse));

        Assert.Null(error);
        string id = CallIds(caller, Encoding.UTF8.GetString(output)).Single();
        Assert.Equal("call_r1_0__thought__Ab-_cd-_Ef", id);
        Assert.Equal(Signature, SignatureSentBack(caller, id));
    }

    [Theory]
    [InlineData(WireFormat.OpenAIChat)]
    [InlineData(WireFormat.Anthropic)]
    [InlineData(WireFormat.OpenAIResponses)]
    public void NonStreamSignature_ComesBackOnTheFunctionCall(WireFormat caller)
    {
        var body = $$$$"""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"{{{{Signature}}}}"},{"functionCall":{"name":"f","args":{"a":2}}}],"role":"model"},"finishReason":"STOP"}],"responseId":"r1","usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}}""";

        FormatResult<byte[]> converted = BodyConverter.ConvertResponse(WireFormat.Gemini, caller, Encoding.UTF8.GetBytes(body), 1, out _);

        Assert.True(converted.IsSuccess, converted.Error?.Message);
        var json = JsonNode.Parse(converted.Value)!;
        string[] ids = caller switch
        {
            WireFormat.Anthropic => json["content"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()).ToArray(),
            WireFormat.OpenAIResponses => json["output"]!.AsArray().Select(o => o!["call_id"]!.GetValue<string>()).ToArray(),
            _ => json["choices"]![0]!["message"]!["tool_calls"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()).ToArray(),
        };
        Assert.Equal(["call_r1_0__thought__Ab-_cd-_Ef", "call_r1_1"], ids);
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]+$", id)); // Anthropic's tool_use id pattern
        Assert.Equal(Signature, SignatureSentBack(caller, ids[0]));
    }

    [Theory]
    [InlineData("call_1__thought__Ab-_cd-_Ef", "Ab+/cd+/Ef==")]
    [InlineData("call_1__thought__Ab+/cd+/Ef==", "Ab+/cd+/Ef==")] // LiteLLM's form: the signature unchanged after the separator
    [InlineData("call_1__thought__QUJD", "QUJD")]
    [InlineData("call_1", null)]
    [InlineData("call_1__thought__", null)]
    [InlineData("call_1__thought__a", null)] // no base64 is one character short of a byte
    [InlineData("call_1__thought__ab.c", null)]
    public void FromId_ReadsOnlyWellFormedSignatures(string id, string? expected) => Assert.Equal(expected, GeminiThoughtSignature.FromId(id));

    [Fact]
    public void Fold_NonBase64Signature_LeavesTheIdAlone() => Assert.Equal("call_1", GeminiThoughtSignature.Fold("call_1", "not base64!"));

    [Theory]
    [InlineData(WireFormat.OpenAIChat)]
    [InlineData(WireFormat.Anthropic)]
    [InlineData(WireFormat.OpenAIResponses)]
    public void FoldedIds_BoundForANonGeminiUpstream_AreStripped(WireFormat upstream)
    {
        var body = """{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1__thought__Ab-_cd","type":"function","function":{"name":"f","arguments":"{}"},"extra_content":{"google":{"thought_signature":"Ab+/cd=="}}}]},{"role":"tool","tool_call_id":"call_1__thought__Ab-_cd","content":"ok"}]}""";

        FormatResult<ConvertedRequest> converted = BodyConverter.ConvertRequest(WireFormat.OpenAIChat, upstream, Encoding.UTF8.GetBytes(body));

        Assert.True(converted.IsSuccess, converted.Error?.Message);
        string sent = Encoding.UTF8.GetString(converted.Value.Body);
        Assert.DoesNotContain("thought", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Ab", sent, StringComparison.Ordinal);
        Assert.Equal(2, sent.Split("\"call_1\"").Length - 1);
    }

    private static IEnumerable<string> CallIds(WireFormat caller, string sse)
    {
        foreach (string line in sse.Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }

            JsonNode e = JsonNode.Parse(line[6..])!;
            string? id = caller switch
            {
                WireFormat.Anthropic => e["type"]!.GetValue<string>() == "content_block_start" ? e["content_block"]!["id"]?.GetValue<string>() : null,
                WireFormat.OpenAIResponses => e["type"]!.GetValue<string>() == "response.output_item.added" ? e["item"]!["call_id"]?.GetValue<string>() : null,
                _ => e["choices"]?.AsArray() is { Count: > 0 } c ? c[0]!["delta"]?["tool_calls"]?[0]?["id"]?.GetValue<string>() : null,
            };
            if (id is not null)
            {
                yield return id;
            }
        }
    }

    // What the caller's next turn, echoing only the id, puts on the Gemini functionCall part.
    private static string? SignatureSentBack(WireFormat caller, string id)
    {
        string body = caller switch
        {
            WireFormat.Anthropic => $$$$"""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"{{{{id}}}}","name":"f","input":{"a":1}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"{{{{id}}}}","content":"ok"}]}]}""",
            WireFormat.OpenAIResponses => $$$$"""{"model":"m","input":[{"role":"user","content":"hi"},{"type":"function_call","call_id":"{{{{id}}}}","name":"f","arguments":"{\"a\":1}"},{"type":"function_call_output","call_id":"{{{{id}}}}","output":"ok"}]}""",
            _ => $$$$"""{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"{{{{id}}}}","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"{{{{id}}}}","content":"ok"}]}""",
        };
        FormatResult<ConvertedRequest> converted = BodyConverter.ConvertRequest(caller, WireFormat.Gemini, Encoding.UTF8.GetBytes(body));
        Assert.True(converted.IsSuccess, converted.Error?.Message);
        JsonNode gemini = JsonNode.Parse(converted.Value.Body)!;
        JsonNode part = gemini["contents"]![1]!["parts"]![0]!;
        Assert.Equal("f", part["functionCall"]!["name"]!.GetValue<string>());
        Assert.Equal("f", gemini["contents"]![2]!["parts"]![0]!["functionResponse"]!["name"]!.GetValue<string>());
        return part["thoughtSignature"]?.GetValue<string>();
    }
}

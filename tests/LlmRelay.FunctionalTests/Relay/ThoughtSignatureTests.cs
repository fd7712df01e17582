using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// Gemini's <c>thoughtSignature</c> round-trips through tool calls for every caller family (Gemini 3 refuses a function call
/// sent back without it: 400 "Function call is missing a thought_signature"), and never reaches OpenAI or Anthropic upstreams.
/// Upstream answers are the recorded ones in ../shared/fixtures/upstream/gemini; the bodies the upstream receives are asserted
/// byte for byte (issue #16).
/// </summary>
public sealed class ThoughtSignatureTests : IAsyncLifetime
{
    private const string Prompt = "Please retrieve the secrets associated with each of these passwords: mellon,radiance";
    private const string Parameters = """{"type":"object","properties":{"password":{"type":"string"}},"required":["password"]}""";

    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;
    private string _answer = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            if (!context.Request.Path.Value!.Contains("gemini", StringComparison.Ordinal))
            {
                await FamilyUpstream.Handler(context, request);
                return;
            }

            context.Response.ContentType = _answer.StartsWith("data:", StringComparison.Ordinal) ? "text/event-stream" : "application/json";
            await context.Response.WriteAsync(_answer, context.RequestAborted);
        });
        _gateway = new GatewayFactory(FamilyUpstream.Channels(_upstream.BaseUrl, "gemini-3-flash-preview"));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public static TheoryData<string, bool> Callers()
    {
        var data = new TheoryData<string, bool>();
        foreach (var caller in (string[])["openai", "anthropic", "responses"])
        {
            data.Add(caller, false);
            data.Add(caller, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task ToolRoundTrip_NonGeminiCallerOnGeminiChannel_SendsTheSignatureBackOnTheSamePart(string caller, bool stream)
    {
        // Turn 1: Gemini calls two tools in parallel; only the first call carries a signature (as recorded).
        _answer = UpstreamFixtures.Read(stream ? "gemini/streamgeneratecontent-sse-function-call.sse" : "gemini/generatecontent-nonstream-function-call.json");
        var signature = FirstSignature(_answer);
        using var client = _gateway.CreateGatewayClient(null);
        using var first = await client.SendAsync(FirstTurn(caller, stream), Ct);
        var firstText = await first.Content.ReadAsStringAsync(Ct);
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstText);
        var calls = ToolCalls(caller, stream, firstText);
        Assert.Equal(["mellon", "radiance"], calls.Select(c => JsonNode.Parse(c.Arguments)!["password"]!.GetValue<string>()));
        Assert.DoesNotContain(calls, c => c.Id.Length == 0);

        // Turn 2: the caller echoes only what every client keeps, the call ids, names and arguments, then the results.
        _answer = UpstreamFixtures.Read("gemini/generatecontent-nonstream-after-function-response.json");
        using var second = await client.SendAsync(SecondTurn(caller, calls), Ct);
        Assert.True(second.StatusCode == HttpStatusCode.OK, await second.Content.ReadAsStringAsync(Ct));

        var sent = _upstream.Requests.Last();
        Assert.Equal("/v1beta/models/gemini-3-flash-preview:generateContent", sent.PathAndQuery);
        Assert.Equal(ExpectedGeminiSecondTurn(caller, signature), sent.BodyText);
    }

    [Fact]
    public async Task ToolRoundTrip_OpenAICallerEchoingGoogleExtraContent_SendsTheSignatureBack()
    {
        // Google's own OpenAI-compatible form: extra_content.google.thought_signature on the tool call, with the client's own ids.
        _answer = UpstreamFixtures.Read("gemini/generatecontent-nonstream-after-function-response.json");
        using var client = _gateway.CreateGatewayClient(null);
        var body = $$$$"""
            {"model":"gemini-model","messages":[{"role":"user","content":"{{{{Prompt}}}}"},
            {"role":"assistant","content":null,"tool_calls":[
              {"id":"a","type":"function","function":{"name":"secret_retrieval_tool","arguments":"{\"password\":\"mellon\"}"},"extra_content":{"google":{"thought_signature":"c2lnbmF0dXJlLW9uZQ=="}}},
              {"id":"b","type":"function","function":{"name":"secret_retrieval_tool","arguments":"{\"password\":\"radiance\"}"}}]},
            {"role":"tool","tool_call_id":"a","content":"Welcome to Moria!"},{"role":"tool","tool_call_id":"b","content":"Life before Death"}],
            "tools":[{"type":"function","function":{"name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{{{{Parameters}}}}}}]}
            """;

        using var response = await client.SendAsync(Post("openai", "/v1/chat/completions", body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ExpectedGeminiSecondTurn("openai", "c2lnbmF0dXJlLW9uZQ=="), _upstream.Requests.Last().BodyText);
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "?alt=sse")]
    [InlineData(true, "")]
    public async Task ToolRoundTrip_GeminiCallerOnGeminiChannel_PassesSignaturesThroughUntouched(bool stream, string query)
    {
        _answer = UpstreamFixtures.Read(stream ? "gemini/streamgeneratecontent-sse-function-call.sse" : "gemini/generatecontent-nonstream-function-call.json");
        var signature = FirstSignature(_answer);
        using var client = _gateway.CreateGatewayClient(null);
        var history = UpstreamFixtures.Read("gemini/generatecontent-nonstream-after-function-response.request.json");

        using var response = await client.SendAsync(Post("gemini", $"/v1beta/models/gemini-model:{(stream ? "streamGenerateContent" : "generateContent")}{query}", history), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        // The caller's history, with its URL-safe signature, reaches Gemini byte for byte.
        Assert.Equal(history, _upstream.Requests.Last().BodyText);
        // The answer's signature reaches the caller on the same functionCall part.
        var chunks = query == "?alt=sse"
            ? text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!).ToList()
            : stream ? JsonNode.Parse(text)!.AsArray().Select(n => n!).ToList() : [JsonNode.Parse(text)!];
        var parts = chunks.SelectMany(c => c["candidates"]![0]!["content"]!["parts"]!.AsArray()).ToList();
        Assert.Equal("mellon", parts[0]!["functionCall"]!["args"]!["password"]!.GetValue<string>());
        Assert.Equal(signature, parts[0]!["thoughtSignature"]!.GetValue<string>());
        Assert.Null(parts[1]!["thoughtSignature"]);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task GeminiCallerHistory_OnNonGeminiChannel_CarriesNoSignature(string channel)
    {
        // Gemini CLI sends its history back with signatures on function calls and on text parts; they mean nothing to
        // OpenAI or Anthropic and must reach them neither as fields nor as prompt text.
        using var client = _gateway.CreateGatewayClient(null);
        var body = $$$$"""
            {"contents":[{"role":"user","parts":[{"text":"{{{{Prompt}}}}"}]},
            {"role":"model","parts":[{"text":"I will look both up.","thoughtSignature":"dGV4dC1zaWduYXR1cmU="},
              {"functionCall":{"name":"secret_retrieval_tool","args":{"password":"mellon"}},"thoughtSignature":"Y2FsbC1zaWduYXR1cmU="},
              {"functionCall":{"name":"secret_retrieval_tool","args":{"password":"radiance"}}},
              {"text":"","thoughtSignature":"dHJhaWxpbmctc2lnbmF0dXJl"}]},
            {"role":"user","parts":[{"functionResponse":{"name":"secret_retrieval_tool","response":{"output":"Welcome to Moria!"}}},
              {"functionResponse":{"name":"secret_retrieval_tool","response":{"output":"Life before Death"}}}]}],
            "tools":[{"functionDeclarations":[{"name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{{{{Parameters}}}}}]}]}
            """;

        using var response = await client.SendAsync(Post("gemini", $"/v1beta/models/{channel}-model:generateContent", body), Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var sent = _upstream.Requests.Last().BodyText;
        Assert.Equal(channel == "openai" ? ExpectedOpenAIFromGemini : ExpectedAnthropicFromGemini, sent);
    }

    // The model turn becomes text plus tool calls with Gemini's own call ids; no extra_content, no signature, no empty text.
    private const string ExpectedOpenAIFromGemini =
        """{"model":"gpt-4o","messages":[{"role":"user","content":"Please retrieve the secrets associated with each of these passwords: mellon,radiance"},""" +
        """{"role":"assistant","content":"I will look both up.","tool_calls":[{"id":"call_0","type":"function","function":{"name":"secret_retrieval_tool","arguments":"{\"password\":\"mellon\"}"}},""" +
        """{"id":"call_1","type":"function","function":{"name":"secret_retrieval_tool","arguments":"{\"password\":\"radiance\"}"}}]},""" +
        """{"role":"tool","content":"Welcome to Moria!","tool_call_id":"call_0"},{"role":"tool","content":"Life before Death","tool_call_id":"call_1"}],"stream":false,""" +
        "\"tools\":" + """[{"type":"function","function":{"name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{"type":"object","properties":{"password":{"type":"string"}},"required":["password"]}}}]}""";

    private const string ExpectedAnthropicFromGemini =
        """{"model":"claude-sonnet-4-20250514","messages":[{"role":"user","content":[{"type":"text","text":"Please retrieve the secrets associated with each of these passwords: mellon,radiance"}]},""" +
        """{"role":"assistant","content":[{"type":"text","text":"I will look both up."},{"type":"tool_use","id":"call_0","name":"secret_retrieval_tool","input":{"password":"mellon"}},""" +
        """{"type":"tool_use","id":"call_1","name":"secret_retrieval_tool","input":{"password":"radiance"}}]},""" +
        """{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_0","content":"Welcome to Moria!"},{"type":"tool_result","tool_use_id":"call_1","content":"Life before Death"}]}],""" +
        "\"max_tokens\":" + """32000,"stream":false,"tools":[{"name":"secret_retrieval_tool","description":"Retrieves a secret.","input_schema":{"type":"object","properties":{"password":{"type":"string"}},"required":["password"]}}]}""";

    // The signature goes back on the first functionCall part, where Gemini put it, restored to its original (standard base64) bytes.
    private static string ExpectedGeminiSecondTurn(string caller, string signature) =>
        """{"contents":[{"parts":[{"text":"Please retrieve the secrets associated with each of these passwords: mellon,radiance"}],"role":"user"},""" +
        """{"parts":[{"functionCall":{"name":"secret_retrieval_tool","args":{"password":"mellon"}},"thoughtSignature":""" + "\"" + signature + "\"}," +
        """{"functionCall":{"name":"secret_retrieval_tool","args":{"password":"radiance"}}}],"role":"model"},""" +
        """{"parts":[{"functionResponse":{"name":"secret_retrieval_tool","response":{"result":"Welcome to Moria!"}}},{"functionResponse":{"name":"secret_retrieval_tool","response":{"result":"Life before Death"}}}],"role":"user"}],""" +
        "\"tools\":" + """[{"functionDeclarations":[{"name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{"type":"object","properties":{"password":{"type":"string"}},"required":["password"]}}]}]""" +
        (caller == "anthropic" ? ""","generationConfig":{"maxOutputTokens":1024}}""" : "}");

    private static string FirstSignature(string answer)
    {
        var json = answer.StartsWith("data:", StringComparison.Ordinal) ? answer[5..answer.IndexOf('\r')] : answer;
        return JsonNode.Parse(json)!["candidates"]![0]!["content"]!["parts"]![0]!["thoughtSignature"]!.GetValue<string>();
    }

    private static HttpRequestMessage FirstTurn(string caller, bool stream)
    {
        var s = stream ? "true" : "false";
        return caller switch
        {
            "anthropic" => Post(caller, "/v1/messages", $$$$"""{"model":"gemini-model","max_tokens":1024,"stream":{{{{s}}}},"messages":[{"role":"user","content":"{{{{Prompt}}}}"}],"tools":[{"name":"secret_retrieval_tool","description":"Retrieves a secret.","input_schema":{{{{Parameters}}}}}]}"""),
            "responses" => Post(caller, "/v1/responses", $$$$"""{"model":"gemini-model","stream":{{{{s}}}},"input":"{{{{Prompt}}}}","tools":[{"type":"function","name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{{{{Parameters}}}}}]}"""),
            _ => Post(caller, "/v1/chat/completions", $$$$"""{"model":"gemini-model","stream":{{{{s}}}},"messages":[{"role":"user","content":"{{{{Prompt}}}}"}],"tools":[{"type":"function","function":{"name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{{{{Parameters}}}}}}]}"""),
        };
    }

    private static HttpRequestMessage SecondTurn(string caller, List<(string Id, string Arguments)> calls)
    {
        string[] results = ["Welcome to Moria!", "Life before Death"];
        switch (caller)
        {
            case "anthropic":
                var uses = new JsonArray(calls.Select(c => (JsonNode)new JsonObject { ["type"] = "tool_use", ["id"] = c.Id, ["name"] = "secret_retrieval_tool", ["input"] = JsonNode.Parse(c.Arguments) }).ToArray());
                var outputs = new JsonArray(calls.Select((c, i) => (JsonNode)new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = c.Id, ["content"] = results[i] }).ToArray());
                return Post(caller, "/v1/messages", $$$$"""{"model":"gemini-model","max_tokens":1024,"messages":[{"role":"user","content":"{{{{Prompt}}}}"},{"role":"assistant","content":{{{{uses.ToJsonString()}}}}},{"role":"user","content":{{{{outputs.ToJsonString()}}}}}],"tools":[{"name":"secret_retrieval_tool","description":"Retrieves a secret.","input_schema":{{{{Parameters}}}}}]}""");
            case "responses":
                var items = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = Prompt } };
                foreach (var c in calls)
                {
                    items.Add(new JsonObject { ["type"] = "function_call", ["call_id"] = c.Id, ["name"] = "secret_retrieval_tool", ["arguments"] = c.Arguments });
                }

                for (var i = 0; i < calls.Count; i++)
                {
                    items.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = calls[i].Id, ["output"] = results[i] });
                }

                return Post(caller, "/v1/responses", $$$$"""{"model":"gemini-model","input":{{{{items.ToJsonString()}}}},"tools":[{"type":"function","name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{{{{Parameters}}}}}]}""");
            default:
                var toolCalls = new JsonArray(calls.Select(c => (JsonNode)new JsonObject { ["id"] = c.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = "secret_retrieval_tool", ["arguments"] = c.Arguments } }).ToArray());
                var messages = new JsonArray
                {
                    new JsonObject { ["role"] = "user", ["content"] = Prompt },
                    new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = toolCalls },
                };
                for (var i = 0; i < calls.Count; i++)
                {
                    messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = calls[i].Id, ["content"] = results[i] });
                }

                return Post(caller, "/v1/chat/completions", $$$$"""{"model":"gemini-model","messages":{{{{messages.ToJsonString()}}}},"tools":[{"type":"function","function":{"name":"secret_retrieval_tool","description":"Retrieves a secret.","parameters":{{{{Parameters}}}}}}]}""");
        }
    }

    /// <summary>The tool calls of a first-turn answer as a client of that family reads them: id and complete arguments.</summary>
    private static List<(string Id, string Arguments)> ToolCalls(string caller, bool stream, string text)
    {
        var calls = new List<(string Id, string Arguments)>();
        if (!stream)
        {
            var json = JsonNode.Parse(text)!;
            switch (caller)
            {
                case "anthropic":
                    calls.AddRange(json["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "tool_use").Select(b => (b!["id"]!.GetValue<string>(), b["input"]!.ToJsonString())));
                    break;
                case "responses":
                    calls.AddRange(json["output"]!.AsArray().Where(o => o!["type"]!.GetValue<string>() == "function_call").Select(o => (o!["call_id"]!.GetValue<string>(), o["arguments"]!.GetValue<string>())));
                    break;
                default:
                    calls.AddRange(json["choices"]![0]!["message"]!["tool_calls"]!.AsArray().Select(c => (c!["id"]!.GetValue<string>(), c["function"]!["arguments"]!.GetValue<string>())));
                    break;
            }

            return calls;
        }

        var ids = new List<string>();
        var arguments = new List<StringBuilder>();
        var events = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && !l.Contains("[DONE]", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!);
        foreach (var e in events)
        {
            switch (caller)
            {
                case "anthropic":
                    if (e["type"]!.GetValue<string>() == "content_block_start" && e["content_block"]!["type"]!.GetValue<string>() == "tool_use")
                    {
                        ids.Add(e["content_block"]!["id"]!.GetValue<string>());
                        arguments.Add(new StringBuilder());
                    }
                    else if (e["type"]!.GetValue<string>() == "content_block_delta" && e["delta"]!["type"]!.GetValue<string>() == "input_json_delta")
                    {
                        arguments[^1].Append(e["delta"]!["partial_json"]!.GetValue<string>());
                    }

                    break;
                case "responses":
                    if (e["type"]!.GetValue<string>() == "response.output_item.done" && e["item"]!["type"]!.GetValue<string>() == "function_call")
                    {
                        ids.Add(e["item"]!["call_id"]!.GetValue<string>());
                        arguments.Add(new StringBuilder(e["item"]!["arguments"]!.GetValue<string>()));
                    }

                    break;
                default:
                    var choices = e["choices"]?.AsArray();
                    foreach (var call in choices is { Count: > 0 } ? choices[0]!["delta"]?["tool_calls"]?.AsArray() ?? [] : [])
                    {
                        var index = call!["index"]!.GetValue<int>();
                        if (index == ids.Count)
                        {
                            ids.Add(call["id"]!.GetValue<string>());
                            arguments.Add(new StringBuilder());
                        }

                        arguments[index].Append(call["function"]?["arguments"]?.GetValue<string>());
                    }

                    break;
            }
        }

        return ids.Select((id, i) => (id, arguments[i].ToString())).ToList();
    }

    private static HttpRequestMessage Post(string caller, string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        switch (caller)
        {
            case "anthropic":
                request.Headers.Add("x-api-key", Settings.Key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                break;
            case "gemini":
                request.Headers.Add("x-goog-api-key", Settings.Key);
                break;
            default:
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Settings.Key);
                break;
        }

        return request;
    }
}

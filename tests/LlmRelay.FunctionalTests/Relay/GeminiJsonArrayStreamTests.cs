using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// <c>:streamGenerateContent</c> without <c>alt=sse</c> answers one streamed JSON array, framed as Google frames it
/// (<c>[{...}\n,\r\n{...}\n]</c>, see ../shared/fixtures/upstream/gemini/streamgeneratecontent-jsonarray-function-call.json),
/// on every channel type; with <c>alt=sse</c> it stays SSE. Upstream, a Gemini channel is always asked for SSE (issue #16).
/// </summary>
public sealed partial class GeminiJsonArrayStreamTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(FamilyUpstream.Channels(_upstream.BaseUrl));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("gemini", "")]
    [InlineData("gemini", "?alt=json")]
    [InlineData("openai", "")]
    [InlineData("anthropic", "")]
    public async Task StreamGenerateContent_WithoutAltSse_AnswersOneJsonArrayFramedLikeGoogle(string channel, string query)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = Request(channel + "-model", query);

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches(GoogleArrayFraming(), text);
        var chunks = JsonNode.Parse(text)!.AsArray();
        Assert.True(chunks.Count >= 1);
        Assert.Equal(FamilyUpstream.Text, string.Concat(chunks.SelectMany(c => c!["candidates"]![0]!["content"]!["parts"]!.AsArray()).Select(p => p!["text"]?.GetValue<string>() ?? "")));
        Assert.Equal("STOP", chunks[^1]!["candidates"]![0]!["finishReason"]!.GetValue<string>());
        if (channel == "gemini")
        {
            // The upstream is asked for SSE, which the gateway parses, whatever the caller asked for.
            Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", _upstream.Requests.Last().PathAndQuery);
        }

        var log = (await _gateway.WaitForLogsAsync(1)).Single(l => l.ModelName == channel + "-model");
        Assert.True(log.IsStream);
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(12, log.PromptTokens);
        Assert.Equal(4, log.CompletionTokens);
    }

    [Theory]
    [InlineData("gemini")]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task StreamGenerateContent_WithAltSse_StaysServerSentEvents(string channel)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = Request(channel + "-model", "?alt=sse");

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("data: {", text, StringComparison.Ordinal);
        Assert.EndsWith("}\r\n\r\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gemini")]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task StreamGenerateContent_WithoutAltSse_ClientParsesEachChunkBeforeTheUpstreamFinishes(string channel)
    {
        // The upstream sends its first text event, then waits until the client has parsed an array element from the
        // gateway's answer: an array that is buffered, or framed so that a streaming parser cannot cut it, never gets there.
        var upstreamBody = channel switch
        {
            "gemini" => UpstreamFixtures.Read("gemini/streamgeneratecontent-sse-text-multichunk.sse"),
            "openai" => FamilyUpstream.OpenAIStream,
            _ => FamilyUpstream.AnthropicStream,
        };
        var firstText = channel == "gemini" ? "\"The\"" : "Hello from";
        var split = EventEnd(upstreamBody, upstreamBody.IndexOf(firstText, StringComparison.Ordinal));
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(upstreamBody[..split], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await released.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync(upstreamBody[split..], context.RequestAborted);
        };
        using var client = _gateway.CreateGatewayClient(null);
        using var request = Request(channel + "-model", "");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var elements = new List<JsonObject>();
        await using (var reader = ReadArrayElementsAsync(body, Ct).GetAsyncEnumerator(Ct))
        {
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct), "The array ended before its first element.");
            elements.Add(reader.Current);
            released.SetResult();
            while (await reader.MoveNextAsync())
            {
                elements.Add(reader.Current);
            }
        }

        var parts = elements.SelectMany(e => e["candidates"]![0]!["content"]!["parts"]!.AsArray()).Select(p => p!["text"]?.GetValue<string>() ?? "");
        Assert.Equal(channel == "gemini" ? "The capital of France is Paris.\n" : FamilyUpstream.Text, string.Concat(parts));
        Assert.Equal("STOP", elements[^1]["candidates"]![0]!["finishReason"]!.GetValue<string>());
        if (channel == "gemini")
        {
            // Pass-through: each element is the upstream's chunk, unchanged.
            var upstreamChunks = upstreamBody.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!.ToJsonString());
            Assert.Equal(upstreamChunks, elements.Select(e => e.ToJsonString()));
        }
    }

    [Fact]
    public async Task StreamGenerateContent_WithoutAltSse_UpstreamCutMidStream_EndsTheArrayWithAnErrorElement()
    {
        // The upstream drops the connection once the caller holds the first chunk: failover is over, the array must still close.
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            var first = FamilyUpstream.GeminiStream[..EventEnd(FamilyUpstream.GeminiStream, 0)];
            await context.Response.WriteAsync(first, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await delivered.Task.WaitAsync(context.RequestAborted);
            context.Abort();
        };
        using var client = _gateway.CreateGatewayClient(null);
        using var request = Request("gemini-model", "");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(buffer, Ct)) > 0)
        {
            received.Write(buffer, 0, read);
            if (Encoding.UTF8.GetString(received.ToArray()).Contains("Hello from", StringComparison.Ordinal))
            {
                delivered.TrySetResult();
            }
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        Assert.Matches(GoogleArrayFraming(), text);
        var chunks = JsonNode.Parse(text)!.AsArray();
        Assert.Equal("Hello from", chunks[0]!["candidates"]![0]!["content"]!["parts"]![0]!["text"]!.GetValue<string>());
        var error = chunks[^1]!["error"]!;
        Assert.Equal("INTERNAL", error["status"]!.GetValue<string>());
        Assert.Contains("interrupted", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamGenerateContent_WithoutAltSse_RefusedBeforeTheStream_WrapsTheErrorInAnArrayLikeGoogle()
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = Request("no-such-model", "");

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True((int)response.StatusCode is >= 400 and < 500, text);
        var error = JsonNode.Parse(text)!.AsArray().Single()!["error"]!;
        Assert.Equal((int)response.StatusCode, error["code"]!.GetValue<int>());
        Assert.Empty(_upstream.Requests);
    }

    // The end of the SSE event that holds position `from`, whichever blank-line style the upstream uses.
    private static int EventEnd(string sse, int from)
    {
        var lf = sse.IndexOf("\n\n", from, StringComparison.Ordinal);
        var crlf = sse.IndexOf("\r\n\r\n", from, StringComparison.Ordinal);
        return crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf + 2;
    }

    private static HttpRequestMessage Request(string model, string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{model}:streamGenerateContent{query}")
        {
            Content = new StringContent("""{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-goog-api-key", Settings.Key);
        return request;
    }

    /// <summary>Reads a streamed JSON array the way incremental clients (ijson, gemini SDK array readers) do: each element as soon as its closing brace arrives.</summary>
    private static async IAsyncEnumerable<JsonObject> ReadArrayElementsAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var element = new MemoryStream();
        int depth = 0;
        bool inString = false, escaped = false, opened = false, closed = false;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var ready = new List<JsonObject>();
            foreach (var b in buffer.AsSpan(0, read))
            {
                if (inString)
                {
                    element.WriteByte(b);
                    if (escaped)
                    {
                        escaped = false;
                    }
                    else if (b == (byte)'\\')
                    {
                        escaped = true;
                    }
                    else if (b == (byte)'"')
                    {
                        inString = false;
                    }

                    continue;
                }

                switch (b)
                {
                    case (byte)'[' when depth == 0:
                        Assert.False(opened, "A second top-level array.");
                        opened = true;
                        depth = 1;
                        break;
                    case (byte)'{' or (byte)'[':
                        Assert.True(depth >= 1, "Content before the array opened.");
                        if (depth == 1)
                        {
                            element.SetLength(0);
                        }

                        depth++;
                        element.WriteByte(b);
                        break;
                    case (byte)'}' or (byte)']':
                        depth--;
                        if (depth >= 1)
                        {
                            element.WriteByte(b);
                        }

                        if (depth == 1)
                        {
                            ready.Add(JsonNode.Parse(element.ToArray())!.AsObject());
                        }
                        else if (depth == 0)
                        {
                            closed = true;
                        }

                        break;
                    default:
                        if (depth >= 2)
                        {
                            inString = b == (byte)'"';
                            element.WriteByte(b);
                        }
                        else
                        {
                            Assert.True(b is (byte)',' or (byte)' ' or (byte)'\r' or (byte)'\n', $"Unexpected byte '{(char)b}' between array elements.");
                        }

                        break;
                }
            }

            foreach (var e in ready)
            {
                yield return e;
            }
        }

        Assert.True(opened && closed, "The answer is not one complete JSON array.");
    }

    // [ first element \n then (,\r\n element \n)* then ] — exactly as generativelanguage.googleapis.com writes it.
    [GeneratedRegex(@"\A\[\{.*?\}\n(?:,\r\n\{.*?\}\n)*\]\z", RegexOptions.Singleline)]
    private static partial Regex GoogleArrayFraming();
}

using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Samples.InProcess;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.Templates.Tests.Samples;

/// <summary>samples/LlmRelay.InProcess: RelayChatClient under Microsoft.Extensions.AI function invocation, against a mock upstream.</summary>
public sealed class InProcessSampleTests
{
    private const string ToolCall = """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"GetWeather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}""";
    private const string Final = """{"id":"chatcmpl-2","object":"chat.completion","created":2,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"It is sunny in Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":6,"total_tokens":46}}""";

    [Fact]
    public async Task AskAsync_ModelCallsTool_ToolRunsInProcessAndAnswerComesBack()
    {
        var calls = 0;
        await using var upstream = await MockUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Interlocked.Increment(ref calls) == 1 ? ToolCall : Final);
        });
        using var host = InProcessApp.BuildHost(
        [
            $"--LlmRelay:Channels:0:Name=mock",
            $"--LlmRelay:Channels:0:BaseUrl={upstream.BaseUrl}/v1",
            "--LlmRelay:Channels:0:Keys:0=sk-upstream-in-process",
            "--LlmRelay:Channels:0:Models:0=gpt-4o",
            "--LlmRelay:Outbound:AllowPrivateAddresses=true",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var response = await WeatherAssistant.AskAsync(host.Services, "What is the weather in Paris?", "gpt-4o", TestContext.Current.CancellationToken);

            Assert.Equal("It is sunny in Paris.", response.Text);
            var requests = upstream.Requests.ToArray();
            Assert.Equal(2, requests.Length);
            Assert.All(requests, static r => Assert.Equal("Bearer sk-upstream-in-process", r.Headers["Authorization"]));
            Assert.Contains("GetWeather", requests[0].BodyText, StringComparison.Ordinal);
            Assert.Contains("21 degrees Celsius, sunny", requests[1].BodyText, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}

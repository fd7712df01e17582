using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary><c>LlmRelay:Quota:HoldAnswerUntilLogged</c> (issue #18): the caller has the whole answer only once its usage-log row is stored.</summary>
public sealed class HoldAnswerUntilLoggedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Answer_ReceivedInFull_ItsRowIsAlreadyStored(bool stream)
    {
        await using var upstream = await MockUpstream.StartAsync((context, request) =>
            request.BodyText.Contains("\"stream\":true", StringComparison.Ordinal)
                ? MockUpstream.Sse(FamilyUpstream.OpenAIStream, chunkSize: 64)(context, request)
                : MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: 1_000_000),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
            new() { ["LlmRelay:Quota:HoldAnswerUntilLogged"] = "true" }));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var body = stream
            ? """{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}"""
            : """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

        for (var call = 1; call <= 3; call++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(stream ? "[DONE]" : "\"choices\"", text, StringComparison.Ordinal);

            // No wait: the row (and with it the settled charge) is in the database when the answer's last byte arrives.
            using var scope = gateway.Services.CreateScope();
            var rows = await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().QueryAsync(new UsageLogQuery { PageSize = 10 }, Ct);
            Assert.Equal(call, rows.Total);
            Assert.All(rows.Items, static r => Assert.Equal(16, r.Quota));
        }
    }
}

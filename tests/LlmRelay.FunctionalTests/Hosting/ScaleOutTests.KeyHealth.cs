using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Hosting;

/// <summary>Key health shared across instances (issue #18): a key instance A disabled after a 401 is skipped by B within a second,
/// without B sending it a single request, and a key enabled again on A is used by B again.</summary>
public sealed partial class ScaleOutTests
{
    private const string BadKey = "sk-scale-key-rejected-0000";
    private const string GoodKey = "sk-scale-key-accepted-1111";
    private const string InvalidKey = """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}""";

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task TwoInstances_KeyDisabledByFailuresOnA_IsSkippedByBWithinASecond(string transport)
    {
        var redis = transport == "redis" ? RedisOrSkip() : null;
        var rejecting = false;
        await using var database = await TestDatabase.CreateAsync("postgres");
        await using var upstream = await MockUpstream.StartAsync((context, request) => Volatile.Read(ref rejecting) && SentBadKey(request)
            ? MockUpstream.Json(InvalidKey, 401)(context, request)
            : MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request));
        await WithTwoInstancesAsync(Environment(database, upstream.BaseUrl, redis), async (a, b) =>
        {
            using var relayA = RelayClient(a);
            using var relayB = RelayClient(b);
            var (rootOnA, cookie) = await SetUpRootAsync(a);
            using var sessionOnB = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = b.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            sessionOnB.DefaultRequestHeaders.Add("Cookie", cookie);
            var rootOnB = new ApiClient(sessionOnB);

            // One channel with two keys, both accepted for now; B serves it (and so has used, and trusts, both keys).
            var created = await rootOnA.SendAsync(HttpMethod.Post, "/api/channel/", new
            {
                mode = "multi_to_single",
                channel = new { name = "two-keys", type = "openai", base_url = upstream.BaseUrl, key = $"{BadKey}\n{GoodKey}", models = new[] { Model } },
            });
            Assert.True(created.Success, created.Message);
            var id = created.Data![0]!["id"]!.GetValue<long>();
            await WithinAsync(async () => await RelayAsync(relayB) == HttpStatusCode.OK);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await RelayAsync(relayB));
            }

            // The upstream now rejects the first key: A meets the 401 and disables the key.
            var usedBefore = BadKeyRequests(upstream);
            Volatile.Write(ref rejecting, true);
            for (var i = 0; i < 4 && BadKeyRequests(upstream) == usedBefore; i++)
            {
                await RelayAsync(relayA);
            }

            Assert.True(BadKeyRequests(upstream) > usedBefore, "A never sent the first key.");
            var onA = await rootOnA.SendAsync(HttpMethod.Get, $"/api/channel/{id}");
            Assert.True(AutoDisabledKeys(onA) == 1, $"A did not disable the key: {onA.Text}\n{a.Output}");
            var rejected = BadKeyRequests(upstream);

            // B learns it from A within a second, without a request of its own to the rejected key...
            var learned = await WithinAsync(async () => AutoDisabledKeys(await rootOnB.SendAsync(HttpMethod.Get, $"/api/channel/{id}")) == 1);
            Assert.True(learned <= Within, $"B showed the key A disabled only after {learned}:\n{b.Output}");
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await RelayAsync(relayB));
            }

            Assert.Equal(rejected, BadKeyRequests(upstream));

            // ...and an administrator enabling it on A puts it back into B's rotation within a second.
            Volatile.Write(ref rejecting, false);
            var enabled = await rootOnA.SendAsync(HttpMethod.Post, "/api/channel/multi_key/manage", new { channel_id = id, action = "enable_key", key_index = 0 });
            Assert.True(enabled.Success, enabled.Message);
            var restored = await WithinAsync(async () => AutoDisabledKeys(await rootOnB.SendAsync(HttpMethod.Get, $"/api/channel/{id}")) == 0);
            Assert.True(restored <= Within, $"B showed the key enabled again only after {restored}:\n{b.Output}");
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await RelayAsync(relayB));
            }

            Assert.True(BadKeyRequests(upstream) > rejected, "B did not use the enabled key again.");
        });
    }

    private static bool SentBadKey(RecordedRequest request) =>
        request.Headers.TryGetValue("Authorization", out var value) && value == $"Bearer {BadKey}";

    private static int BadKeyRequests(MockUpstream upstream) => upstream.Requests.Count(SentBadKey);

    private static int AutoDisabledKeys(ApiResponse channel) =>
        channel.Success ? channel.Data!["auto_disabled_keys"]!.AsArray().Count : -1;
}

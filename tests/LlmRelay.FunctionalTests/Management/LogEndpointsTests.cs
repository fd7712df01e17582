using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Usage;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The log and statistics routes (issue #5) over real HTTP, on rows written by relaying real calls through a mock upstream.</summary>
public sealed class LogEndpointsTests : IClassFixture<LogEndpointsTests.RelayedLogs>
{
    private readonly RelayedLogs _logs;

    public LogEndpointsTests(RelayedLogs logs) => _logs = logs;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ManagementHarness H => _logs.Harness;

    [Theory]
    [InlineData("/api/log/", "admin")]
    [InlineData("/api/log/stat", "admin")]
    [InlineData("/api/log/search?keyword=gpt", "admin")]
    [InlineData("/api/data/", "admin")]
    [InlineData("/api/log/self", "user")]
    [InlineData("/api/log/self/stat", "user")]
    [InlineData("/api/log/self/search?keyword=gpt", "user")]
    [InlineData("/api/data/self", "user")]
    public async Task Route_AnswersAtItsLevel_AndRefusesOneLevelBelow(string path, string level)
    {
        var (at, below, refusal) = level == "admin" ? (H.Admin, H.User, HttpStatusCode.Forbidden) : (H.User, H.Anonymous, HttpStatusCode.Unauthorized);
        var answered = await at.SendAsync(HttpMethod.Get, path);
        Assert.True(answered.Success, answered.Text);
        var refused = await below.SendAsync(HttpMethod.Get, path);
        Assert.Equal(refusal, refused.Status);
        Assert.False(refused.Success);
    }

    [Fact]
    public async Task DeleteLogs_AsUser_IsRefused()
    {
        var refused = await H.User.SendAsync(HttpMethod.Delete, "/api/log/?target_timestamp=9999999999");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(_logs.All.Count, (await H.Admin.SendAsync(HttpMethod.Get, "/api/log/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task List_AsAdmin_ReturnsEveryRowNewestFirst_WithTheSeedFields()
    {
        var page = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/?p=1&page_size=100");
        Assert.True(page.Success, page.Text);
        Assert.Equal(_logs.All.Count, page.Data!["total"]!.GetValue<long>());
        Assert.Equal(1, page.Data["page"]!.GetValue<int>());
        Assert.Equal(100, page.Data["page_size"]!.GetValue<int>());
        var items = page.Data["items"]!.AsArray();
        Assert.Equal(_logs.All.Select(static l => l.Id), items.Select(static i => i!["id"]!.GetValue<long>()));

        var row = items.First(i => i!["user_id"]!.GetValue<long>() == H.UserId)!;
        Assert.Equal("alice", row["username"]!.GetValue<string>());
        Assert.Equal(2, row["type"]!.GetValue<int>());
        Assert.Equal("alice-key", row["token_name"]!.GetValue<string>());
        Assert.Equal(_logs.ChannelId, row["channel"]!.GetValue<long>());
        Assert.Equal("upstream-a", row["channel_name"]!.GetValue<string>());
        Assert.Equal(21, row["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(4, row["completion_tokens"]!.GetValue<int>());
        Assert.False(row["is_stream"]!.GetValue<bool>());
        Assert.True(row["quota"]!.GetValue<long>() > 0);
        Assert.InRange(row["created_at"]!.GetValue<long>(), _logs.Started - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.NotNull(row["use_time"]);
        Assert.NotNull(row["group"]);
    }

    [Theory]
    [InlineData("model_name=gpt-4o", "model")]
    [InlineData("username=alice", "alice")]
    [InlineData("token_name=admin-key", "admin-token")]
    [InlineData("type=2", "all")]
    [InlineData("type=4", "none")]
    [InlineData("group=default", "all")]
    [InlineData("username=nobody", "none")]
    public async Task List_WithFilter_ReturnsOnlyMatchingRows(string query, string expected)
    {
        var rows = expected switch
        {
            "model" => _logs.All.Where(static l => l.ModelName == "gpt-4o").ToList(),
            "alice" => _logs.All.Where(l => l.UserId == H.UserId).ToList(),
            "admin-token" => _logs.All.Where(static l => l.TokenName == "admin-key").ToList(),
            "all" => [.. _logs.All],
            _ => [],
        };
        var page = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/?page_size=100&" + query);
        Assert.True(page.Success, page.Text);
        Assert.Equal(rows.Count, page.Data!["total"]!.GetValue<long>());
        Assert.Equal(rows.Select(static l => l.Id).Order(), page.Data["items"]!.AsArray().Select(static i => i!["id"]!.GetValue<long>()).Order());
    }

    [Fact]
    public async Task List_ByChannelAndTimeRange_FiltersInTheDatabase()
    {
        var byChannel = await H.Admin.SendAsync(HttpMethod.Get, $"/api/log/?channel={_logs.ChannelId}");
        Assert.Equal(_logs.All.Count, byChannel.Data!["total"]!.GetValue<long>());
        var otherChannel = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/?channel=999999");
        Assert.Equal(0, otherChannel.Data!["total"]!.GetValue<long>());

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var inRange = await H.Admin.SendAsync(HttpMethod.Get, $"/api/log/?start_timestamp={_logs.Started - 1}&end_timestamp={now + 1}");
        Assert.Equal(_logs.All.Count, inRange.Data!["total"]!.GetValue<long>());
        var future = await H.Admin.SendAsync(HttpMethod.Get, $"/api/log/?start_timestamp={now + 3600}");
        Assert.Equal(0, future.Data!["total"]!.GetValue<long>());
        var past = await H.Admin.SendAsync(HttpMethod.Get, $"/api/log/?end_timestamp={_logs.Started - 3600}");
        Assert.Equal(0, past.Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task List_Paged_SplitsTheRowsWithoutOverlap()
    {
        var seen = new List<long>();
        for (var p = 1; p <= 3; p++)
        {
            var page = await H.Admin.SendAsync(HttpMethod.Get, $"/api/log/?p={p}&page_size=2");
            Assert.Equal(_logs.All.Count, page.Data!["total"]!.GetValue<long>());
            seen.AddRange(page.Data["items"]!.AsArray().Select(static i => i!["id"]!.GetValue<long>()));
        }

        // Pages past the middle are read in reverse order in SQL; the caller must not notice.
        Assert.Equal(_logs.All.Select(static l => l.Id), seen);
        var beyond = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/?p=50&page_size=2");
        Assert.Empty(beyond.Data!["items"]!.AsArray());
    }

    [Theory]
    [InlineData("/api/log/?type=abc")]
    [InlineData("/api/log/?type=9")]
    [InlineData("/api/log/?p=0")]
    [InlineData("/api/log/?page_size=1000")]
    [InlineData("/api/log/?start_timestamp=yesterday")]
    [InlineData("/api/log/?start_timestamp=2000&end_timestamp=1000")]
    [InlineData("/api/log/?channel=x")]
    [InlineData("/api/log/stat?end_timestamp=-5")]
    [InlineData("/api/data/?start_timestamp=x")]
    public async Task AdminRoutes_WithBadInput_Answer400NamingTheQuery(string path)
    {
        var answer = await H.Admin.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.False(answer.Success);
        Assert.Contains("Query '", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_ReturnsOnlyTheCallersRows_WhateverTheQuerySays()
    {
        var own = _logs.All.Where(l => l.UserId == H.UserId).Select(static l => l.Id).ToList();
        Assert.NotEmpty(own);
        foreach (var path in (string[])["/api/log/self?page_size=100", $"/api/log/self?page_size=100&username=admin&user_id={H.AdminId}"])
        {
            var page = await H.User.SendAsync(HttpMethod.Get, path);
            Assert.True(page.Success, page.Text);
            Assert.Equal(own.Count, page.Data!["total"]!.GetValue<long>());
            var items = page.Data["items"]!.AsArray();
            Assert.Equal(own, items.Select(static i => i!["id"]!.GetValue<long>()));
            Assert.All(items, static i => Assert.Null(i!["channel_name"]));
        }

        var search = await H.User.SendAsync(HttpMethod.Get, "/api/log/self/search?keyword=gpt-4o");
        Assert.All(search.Data!.AsArray(), i => Assert.Equal(H.UserId, i!["user_id"]!.GetValue<long>()));
        var adminSide = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/self?page_size=100");
        Assert.Equal(_logs.All.Count(l => l.UserId == H.AdminId), adminSide.Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Stat_SumsQuotaInRange_AndCountsTheLastMinute()
    {
        var stat = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/stat");
        Assert.True(stat.Success, stat.Text);
        Assert.Equal(_logs.All.Sum(static l => l.Quota), stat.Data!["quota"]!.GetValue<long>());
        Assert.Equal(_logs.All.Count, stat.Data["rpm"]!.GetValue<long>());
        Assert.Equal(_logs.All.Sum(static l => (long)l.PromptTokens + l.CompletionTokens), stat.Data["tpm"]!.GetValue<long>());

        var alice = _logs.All.Where(l => l.UserId == H.UserId).ToList();
        var filtered = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/stat?username=alice");
        Assert.Equal(alice.Sum(static l => l.Quota), filtered.Data!["quota"]!.GetValue<long>());
        Assert.Equal(alice.Count, filtered.Data["rpm"]!.GetValue<long>());

        var self = await H.User.SendAsync(HttpMethod.Get, "/api/log/self/stat?username=admin");
        Assert.Equal(alice.Sum(static l => l.Quota), self.Data!["quota"]!.GetValue<long>());
        Assert.Equal(alice.Count, self.Data["rpm"]!.GetValue<long>());

        var future = await H.Admin.SendAsync(HttpMethod.Get, $"/api/log/stat?start_timestamp={DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600}");
        Assert.Equal(0, future.Data!["quota"]!.GetValue<long>());
        Assert.Equal(_logs.All.Count, future.Data["rpm"]!.GetValue<long>()); // the rate window ignores the range
    }

    [Fact]
    public async Task Search_MatchesTypeNumberOrText()
    {
        var byType = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/search?keyword=2");
        Assert.Equal(_logs.All.Count, byType.Data!.AsArray().Count);
        var byModel = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/search?keyword=gpt-4o");
        Assert.Equal(_logs.All.Count(static l => l.ModelName == "gpt-4o"), byModel.Data!.AsArray().Count);
        var none = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/search?keyword=no-such-thing-anywhere");
        Assert.Empty(none.Data!.AsArray());
        var tooLong = await H.Admin.SendAsync(HttpMethod.Get, "/api/log/search?keyword=" + new string('x', 300));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
    }

    [Fact]
    public async Task ByTokenKey_IsPublic_ReturnsThatTokensRows_WithCorsForAnyOrigin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/log/token?key=" + Uri.EscapeDataString(_logs.AliceKey));
        request.Headers.Add("Origin", "https://dashboard.example");
        using var response = await H.Anonymous.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.True(json["success"]!.GetValue<bool>());
        var rows = json["data"]!.AsArray();
        Assert.Equal(_logs.All.Where(static l => l.TokenName == "alice-key").Select(static l => l.Id), rows.Select(static r => r!["id"]!.GetValue<long>()));
        Assert.All(rows, static r => Assert.Null(r!["ip"]));

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/log/token");
        preflight.Headers.Add("Origin", "https://dashboard.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var pre = await H.Anonymous.Http.SendAsync(preflight, Ct);
        Assert.Equal(HttpStatusCode.NoContent, pre.StatusCode);
        Assert.Equal("*", pre.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task ByTokenKey_UnknownOrMissingKey_AnswersFailure()
    {
        var unknown = await H.Anonymous.SendAsync(HttpMethod.Get, "/api/log/token?key=sk-not-a-real-key-0000000000000");
        Assert.False(unknown.Success);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        var missing = await H.Anonymous.SendAsync(HttpMethod.Get, "/api/log/token");
        Assert.False(missing.Success);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
    }

    [Fact]
    public async Task Data_AggregatesPerModelAndHour()
    {
        var data = await H.Admin.SendAsync(HttpMethod.Get, "/api/data/");
        Assert.True(data.Success, data.Text);
        var rows = data.Data!.AsArray();
        Assert.Equal(_logs.All.Select(static l => l.ModelName).Distinct().Count(), rows.Select(static r => r!["model_name"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(_logs.All.Count, rows.Sum(static r => r!["count"]!.GetValue<long>()));
        Assert.Equal(_logs.All.Sum(static l => l.Quota), rows.Sum(static r => r!["quota"]!.GetValue<long>()));
        Assert.Equal(_logs.All.Sum(static l => (long)l.PromptTokens + l.CompletionTokens), rows.Sum(static r => r!["token_used"]!.GetValue<long>()));
        Assert.All(rows, static r => Assert.Equal(0, r!["created_at"]!.GetValue<long>() % 3600));

        var gpt4o = rows.Where(static r => r!["model_name"]!.GetValue<string>() == "gpt-4o").Sum(static r => r!["count"]!.GetValue<long>());
        Assert.Equal(_logs.All.Count(static l => l.ModelName == "gpt-4o"), gpt4o);

        var self = await H.User.SendAsync(HttpMethod.Get, "/api/data/self?username=admin");
        Assert.Equal(_logs.All.Count(l => l.UserId == H.UserId), self.Data!.AsArray().Sum(static r => r!["count"]!.GetValue<long>()));
        var empty = await H.Admin.SendAsync(HttpMethod.Get, $"/api/data/?start_timestamp={DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200}");
        Assert.Empty(empty.Data!.AsArray());
        var byUser = await H.Admin.SendAsync(HttpMethod.Get, "/api/data/?username=alice");
        Assert.Equal(_logs.All.Count(l => l.UserId == H.UserId), byUser.Data!.AsArray().Sum(static r => r!["count"]!.GetValue<long>()));
    }

    [Fact]
    public async Task TokenUsage_WithTheGatewayKey_ReturnsThatKeysOwnUsage()
    {
        using var http = H.Gateway.CreateGatewayClient(_logs.AliceKey);
        var json = JsonNode.Parse(await http.GetStringAsync("/api/usage/token/", Ct))!;
        Assert.True(json["success"]!.GetValue<bool>());
        var data = json["data"]!;
        Assert.Equal("token_usage", data["object"]!.GetValue<string>());
        Assert.Equal("alice-key", data["name"]!.GetValue<string>());
        Assert.Equal(_logs.All.Where(static l => l.TokenName == "alice-key").Sum(static l => l.Quota), data["total_used"]!.GetValue<long>());
        Assert.Equal(1_000_000 - data["total_used"]!.GetValue<long>(), data["total_available"]!.GetValue<long>());
        Assert.False(data["unlimited_quota"]!.GetValue<bool>());
        Assert.Equal(0, data["expires_at"]!.GetValue<long>());
    }

    [Fact]
    public async Task TokenUsage_WithoutOrWithAWrongKey_Answers401()
    {
        using var none = H.Gateway.CreateGatewayClient(null);
        using var noKey = await none.GetAsync("/api/usage/token/", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        using var wrong = H.Gateway.CreateGatewayClient("sk-wrong-key-00000000000000000000");
        using var wrongKey = await wrong.GetAsync("/api/usage/token/", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        // A management session is not a gateway key.
        var session = await H.Admin.SendAsync(HttpMethod.Get, "/api/usage/token/");
        Assert.Equal(HttpStatusCode.Unauthorized, session.Status);
    }

    [Fact]
    public async Task Delete_RemovesRowsOlderThanTheTarget_AndReturnsTheCount()
    {
        // A separate gateway: this test empties its table.
        await using var fixture = new RelayedLogs();
        await fixture.InitializeAsync();
        var h = fixture.Harness;
        var missing = await h.Admin.SendAsync(HttpMethod.Delete, "/api/log/");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("target_timestamp", missing.Message, StringComparison.Ordinal);
        var bad = await h.Admin.SendAsync(HttpMethod.Delete, "/api/log/?target_timestamp=soon");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);

        var none = await h.Admin.SendAsync(HttpMethod.Delete, $"/api/log/?target_timestamp={fixture.Started - 3600}");
        Assert.True(none.Success, none.Text);
        Assert.Equal(0, none.Data!.GetValue<long>());

        var all = await h.Admin.SendAsync(HttpMethod.Delete, $"/api/log/?target_timestamp={DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 10}");
        Assert.True(all.Success, all.Text);
        Assert.Equal(fixture.All.Count, all.Data!.GetValue<long>());
        Assert.Equal(0, (await h.Admin.SendAsync(HttpMethod.Get, "/api/log/")).Data!["total"]!.GetValue<long>());
    }

    /// <summary>A gateway with one channel (two models), where alice and the admin each relay calls with their own token.</summary>
    public sealed class RelayedLogs : IAsyncLifetime
    {
        private MockUpstream? _upstream;

        public ManagementHarness Harness { get; private set; } = null!;

        public IReadOnlyList<UsageLog> All { get; private set; } = [];

        public string AliceKey { get; private set; } = "";

        public long ChannelId { get; private set; }

        public long Started { get; private set; }

        public async ValueTask InitializeAsync()
        {
            Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            _upstream = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
            Harness = await ManagementHarness.StartAsync(userQuota: 10_000_000);
            var channel = await Harness.Admin.SendAsync(HttpMethod.Post, "/api/channel/", rawBody: $$$"""
                {"mode":"single","channel":{"name":"upstream-a","type":"openai","base_url":"{{{_upstream.BaseUrl}}}","key":"{{{Settings.UpstreamKey}}}","models":"gpt-4o-mini,gpt-4o","group":"default"}}
                """);
            Assert.True(channel.Success, channel.Text);
            ChannelId = channel.Data![0]!["id"]!.GetValue<long>();

            var alice = await Harness.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "alice-key", remain_quota = 1_000_000 });
            Assert.True(alice.Success, alice.Text);
            AliceKey = alice.Data!["key"]!.GetValue<string>();
            var admin = await Harness.Admin.SendAsync(HttpMethod.Post, "/api/token/", new { name = "admin-key", unlimited_quota = true });
            Assert.True(admin.Success, admin.Text);
            var adminKey = admin.Data!["key"]!.GetValue<string>();

            var calls = new (string Key, string Model)[]
            {
                (AliceKey, "gpt-4o-mini"), (AliceKey, "gpt-4o-mini"), (AliceKey, "gpt-4o"),
                (adminKey, "gpt-4o-mini"), (adminKey, "gpt-4o"),
            };
            foreach (var (key, model) in calls)
            {
                using var http = Harness.Gateway.CreateGatewayClient(key);
                using var response = await http.PostAsync(
                    "/v1/chat/completions",
                    new StringContent($$$"""{"model":"{{{model}}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            All = await Harness.Gateway.WaitForLogsAsync(calls.Length);
        }

        public async ValueTask DisposeAsync()
        {
            if (Harness is not null)
            {
                await Harness.DisposeAsync();
            }

            if (_upstream is not null)
            {
                await _upstream.DisposeAsync();
            }
        }
    }
}

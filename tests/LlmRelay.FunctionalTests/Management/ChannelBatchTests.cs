using System.Net;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.Channels;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>
/// The channel operations the dashboard's channels pages use (issue #15): batch status, delete and test, fetched models and
/// key actions, each in <see cref="ChannelService"/> so that the <c>/api/channel/</c> routes and the dashboard agree.
/// </summary>
public sealed class ChannelBatchTests
{
    private const string GoodKey = "sk-good-0123456789";
    private const string BadKey = "sk-bad-0123456789";
    private const string InvalidKey = """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}""";
    private const string ModelList = """{"object":"list","data":[{"id":"gpt-4o","object":"model"},{"id":"gpt-4o-mini","object":"model"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SetStatusManyAsync_DisablesThenEnablesTheListed_OthersUntouched_AndTheApiSeesIt()
    {
        await using var h = await ManagementHarness.StartAsync();
        var a = await CreateAsync(h, "a");
        var b = await CreateAsync(h, "b");
        var c = await CreateAsync(h, "c");
        using var scope = h.Gateway.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ChannelService>();
        var admin = await FindUserAsync(scope, h.AdminId);

        var disabled = await service.SetStatusManyAsync(admin, [a, b, 999_999], ChannelStatus.ManuallyDisabled, Ct);

        Assert.Null(disabled.Error);
        Assert.Equal(2, disabled.Value);
        Assert.Equal([2, 2, 1], await StatusesAsync(h, a, b, c));

        // The dashboard's batch form calls the same operation.
        var enabled = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/batch", new() { ["action"] = "enable", ["ids"] = $"{a}" });
        Assert.Equal(HttpStatusCode.OK, enabled);
        Assert.Equal([1, 2, 1], await StatusesAsync(h, a, b, c));
    }

    [Fact]
    public async Task BatchOperations_RefuseACommonUser_AndAnEmptySelection_WithTheApisWords()
    {
        await using var h = await ManagementHarness.StartAsync();
        var a = await CreateAsync(h, "a");
        using var scope = h.Gateway.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ChannelService>();
        var alice = await FindUserAsync(scope, h.UserId);
        var admin = await FindUserAsync(scope, h.AdminId);
        var apiEmpty = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/batch", new { ids = Array.Empty<long>() });
        var apiForbidden = await h.User.SendAsync(HttpMethod.Post, "/api/channel/batch", new { ids = new[] { a } });

        var forbidden = await service.DeleteManyAsync(alice, [a], Ct);
        var empty = await service.SetStatusManyAsync(admin, [], ChannelStatus.Enabled, Ct);
        var tested = await service.TestManyAsync(admin, [], Ct);
        using var page = await DashboardForm.SendAsync(h.Admin, "/channels", "/channels/batch", new() { ["action"] = "delete" });
        var html = await page.Content.ReadAsStringAsync(Ct);
        var badAction = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/batch", new() { ["action"] = "explode", ["ids"] = $"{a}" });
        var badId = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/batch", new() { ["action"] = "delete", ["ids"] = "one" });

        Assert.Equal(HttpStatusCode.Forbidden, apiForbidden.Status);
        Assert.Equal(apiForbidden.Message, forbidden.Error!.Message);
        Assert.Equal(HttpStatusCode.BadRequest, apiEmpty.Status);
        Assert.Equal(apiEmpty.Message, empty.Error!.Message);
        Assert.Equal(apiEmpty.Message, tested.Error!.Message);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains(apiEmpty.Message.Replace("'", "&#x27;", StringComparison.Ordinal), html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badAction);
        Assert.Equal(HttpStatusCode.BadRequest, badId);
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task DeleteMany_FromTheDashboardAndTheApi_DeletesOnlyTheListed()
    {
        await using var h = await ManagementHarness.StartAsync();
        var a = await CreateAsync(h, "a");
        var b = await CreateAsync(h, "b");
        var c = await CreateAsync(h, "c");

        var dashboard = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/batch", new() { ["action"] = "delete", ["ids"] = $"{a}" });
        var api = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/batch", new { ids = new[] { b, 999_999 } });
        var single = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/delete", new() { ["id"] = "999999" });

        Assert.Equal(HttpStatusCode.OK, dashboard);
        Assert.True(api.Success, api.Text);
        Assert.Equal(1, api.Data!.GetValue<long>());
        Assert.Equal(HttpStatusCode.NotFound, single);
        var left = (await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["items"]!.AsArray();
        Assert.Equal(c, Assert.Single(left)!["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task TestMany_ReportsEachChannelsOutcomeAndTime_AndRecordsIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var upstream = await MockUpstream.StartAsync((context, request) =>
        {
            // The upstream takes 250 ms by the gateway's clock.
            time.Advance(TimeSpan.FromMilliseconds(250));
            return request.Headers["Authorization"] == "Bearer " + GoodKey
                ? MockUpstream.Json(WireSamples.ChatResponse)(context, request)
                : MockUpstream.Json(InvalidKey, 401)(context, request);
        });
        await using var h = await ManagementHarness.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(time));
        var good = await CreateAsync(h, "good", upstream.BaseUrl, GoodKey);
        var bad = await CreateAsync(h, "bad", upstream.BaseUrl, BadKey);
        var disabled = await CreateAsync(h, "off", upstream.BaseUrl, GoodKey);
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", new { id = disabled, status = 2 })).Success);
        using var scope = h.Gateway.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ChannelService>();
        var admin = await FindUserAsync(scope, h.AdminId);

        var tested = await service.TestManyAsync(admin, [good, bad, disabled], Ct);

        Assert.Null(tested.Error);
        Assert.Equal(3, tested.Value.Count);
        var byId = tested.Value.ToDictionary(static t => t.ChannelId);
        Assert.True(byId[good].Success);
        Assert.True(byId[disabled].Success); // Selected channels are tested whatever their status.
        Assert.False(byId[bad].Success);
        Assert.Contains("Incorrect API key", byId[bad].Message, StringComparison.Ordinal);
        Assert.All(tested.Value, static t => Assert.Equal(250, t.ResponseTime));
        var shown = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{bad}");
        Assert.Equal(250, shown.Data!["response_time"]!.GetValue<int>());
        Assert.DoesNotContain(BadKey, string.Concat(tested.Value.Select(static t => t.Message)), StringComparison.Ordinal);

        // Test all (the dashboard's button) tests the enabled channels only and lists each one.
        using var page = await DashboardForm.SendAsync(h.Admin, "/channels", "/channels/test-all", []);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("1 of 2 channels passed.", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-channel=\"good\" data-success=\"true\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-channel=\"bad\" data-success=\"false\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<tr data-channel=\"off\" data-success", html, StringComparison.Ordinal);
        Assert.Equal(5, upstream.Requests.Count);
    }

    [Fact]
    public async Task FetchModelsAsync_StoredChannelOrTypedForm_AsksTheUpstream_BadInputNeverReachesIt()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(ModelList));
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h, "stored", "https://upstream.example", GoodKey);
        using var scope = h.Gateway.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ChannelService>();
        var admin = await FindUserAsync(scope, h.AdminId);
        var alice = await FindUserAsync(scope, h.UserId);

        // The stored channel's key, with the base URL the form now holds.
        var stored = await service.FetchModelsAsync(admin, id, "openai", upstream.BaseUrl, "", Ct);
        var typed = await service.FetchModelsAsync(admin, null, "openai", upstream.BaseUrl, "sk-typed-0123456789\nsk-second", Ct);

        Assert.Equal(["gpt-4o", "gpt-4o-mini"], stored.Value);
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], typed.Value);
        Assert.Equal(["Bearer " + GoodKey, "Bearer sk-typed-0123456789"], upstream.Requests.Select(static r => r.Headers["Authorization"]));

        var noKey = await service.FetchModelsAsync(admin, null, "openai", upstream.BaseUrl, " ", Ct);
        var badUrl = await service.FetchModelsAsync(admin, null, "openai", "not a url", GoodKey, Ct);
        var badType = await service.FetchModelsAsync(admin, id, "telepathy", null, null, Ct);
        var missing = await service.FetchModelsAsync(admin, 999_999, null, null, null, Ct);
        var forbidden = await service.FetchModelsAsync(alice, id, null, null, null, Ct);

        Assert.Equal("Field 'key' is required.", noKey.Error!.Message);
        Assert.Equal("Field 'base_url' must be an absolute http or https URL.", badUrl.Error!.Message);
        Assert.Equal(ChannelInput.UnknownTypeMessage, badType.Error!.Message);
        Assert.Equal(404, missing.Error!.StatusCode);
        Assert.Equal(403, forbidden.Error!.StatusCode);
        Assert.Equal(2, upstream.Requests.Count);

        // The dashboard's form renders the fetched list into the models field, without echoing the key.
        using var page = await DashboardForm.SendAsync(h.Admin, $"/channels/edit?id={id}", "/channels/fetch-models", new()
        {
            ["id"] = $"{id}", ["name"] = "stored", ["type"] = "openai", ["base_url"] = upstream.BaseUrl, ["models"] = "m", ["key"] = "sk-typed-0123456789",
        });
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("id=\"channel-models\" value=\"gpt-4o,gpt-4o-mini\"", html, StringComparison.Ordinal);
        Assert.Contains("Fetched 2 models", html, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-typed-0123456789", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardWeights_SetsPriorityAndWeight_BadValuesRefusedWithTheApisMessage()
    {
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h, "a");
        var api = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", new { id, weight = -1 });

        var saved = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/weights", new() { ["id"] = $"{id}", ["priority"] = "7", ["weight"] = "3" });
        using var refused = await DashboardForm.SendAsync(h.Admin, "/channels", "/channels/weights", new() { ["id"] = $"{id}", ["priority"] = "7", ["weight"] = "-1" });
        var html = await refused.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, saved);
        Assert.Equal(HttpStatusCode.BadRequest, api.Status);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(api.Message.Replace("'", "&#x27;", StringComparison.Ordinal), html, StringComparison.Ordinal);
        var shown = (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!;
        Assert.Equal(7, shown["priority"]!.GetValue<long>());
        Assert.Equal(3, shown["weight"]!.GetValue<int>());
    }

    [Fact]
    public async Task ManageKeysAsync_DisableAndEnableAKey_StatusListFollows_BadIndexRefused()
    {
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h, "pool", key: "sk-first-0123456789\nsk-second-0123456789", mode: "multi_to_single");
        using var scope = h.Gateway.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ChannelService>();
        var admin = await FindUserAsync(scope, h.AdminId);

        var disabled = await DashboardForm.PostAsync(h.Admin, $"/channels/edit?id={id}", "/channels/keys", new() { ["id"] = $"{id}", ["action"] = "disable_key", ["key_index"] = "0" });
        var afterDisable = await service.KeyStatusAsync(admin, id, Ct);
        var bad = await DashboardForm.PostAsync(h.Admin, $"/channels/edit?id={id}", "/channels/keys", new() { ["id"] = $"{id}", ["action"] = "enable_key", ["key_index"] = "5" });
        var api = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/multi_key/manage", new { channel_id = id, action = "enable_all_keys" });
        var afterEnable = await service.KeyStatusAsync(admin, id, Ct);

        Assert.Equal(HttpStatusCode.OK, disabled);
        Assert.Equal([1, 2], afterDisable.Value.Select(static k => k.Status));
        Assert.DoesNotContain(afterDisable.Value, static k => k.Key.Contains("0123456789", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(api.Success, api.Text);
        Assert.Equal([1, 1], afterEnable.Value.Select(static k => k.Status));
    }

    private static async Task<long> CreateAsync(ManagementHarness h, string name, string baseUrl = "https://upstream.example", string key = "sk-up", string mode = "single")
    {
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { mode, channel = new { name, type = "openai", base_url = baseUrl, models = "gpt-4o", key } });
        Assert.True(created.Success, created.Message);
        return created.Data![0]!["id"]!.GetValue<long>();
    }

    private static async Task<List<int>> StatusesAsync(ManagementHarness h, params long[] ids)
    {
        var statuses = new List<int>();
        foreach (var id in ids)
        {
            statuses.Add((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["status"]!.GetValue<int>());
        }

        return statuses;
    }

    private static async Task<RelayUser> FindUserAsync(IServiceScope scope, long id) =>
        await scope.ServiceProvider.GetRequiredService<IUserStore>().FindAsync(id, Ct) ?? throw new InvalidOperationException($"No user {id}.");
}

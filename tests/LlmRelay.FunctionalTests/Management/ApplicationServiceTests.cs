using System.Net;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Groups;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The application services the <c>/api</c> routes and the dashboard share (issue #14) refuse and validate exactly as the API does.</summary>
public sealed class ApplicationServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TokenService_CommonUserAsksForAnotherUsersToken_RefusedWithTheApisStatusAndMessage()
    {
        await using var h = await ManagementHarness.StartAsync();
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/token/", new { name = "admins", unlimited_quota = true });
        Assert.True(created.Success, created.Message);
        var id = created.Data!["id"]!.GetValue<long>();
        var api = await h.User.SendAsync(HttpMethod.Get, $"/api/token/{id}");

        using var scope = h.Gateway.Services.CreateScope();
        var alice = await FindUserAsync(scope, h.UserId);
        var result = await scope.ServiceProvider.GetRequiredService<TokenService>().GetAsync(alice, id, Ct);

        Assert.Equal(HttpStatusCode.NotFound, api.Status);
        Assert.NotNull(result.Error);
        Assert.Equal((int)api.Status, result.Error.StatusCode);
        Assert.Equal(api.Message, result.Error.Message);
    }

    [Fact]
    public async Task RedemptionService_CommonUserCreatesCodes_RefusedAsTheApiRefusesThem()
    {
        await using var h = await ManagementHarness.StartAsync();
        var api = await h.User.SendAsync(HttpMethod.Post, "/api/redemption/", new { name = "free", quota = 1000 });

        using var scope = h.Gateway.Services.CreateScope();
        var alice = await FindUserAsync(scope, h.UserId);
        var result = await scope.ServiceProvider.GetRequiredService<RedemptionService>().CreateAsync(alice, new RedemptionChanges { Name = "free", Quota = 1000 }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, api.Status);
        Assert.NotNull(result.Error);
        Assert.Equal((int)api.Status, result.Error.StatusCode);
        Assert.Equal(api.Message, result.Error.Message);
        Assert.Equal(0, (await h.Root.SendAsync(HttpMethod.Get, "/api/redemption/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task UserService_AdminDisablesRoot_RefusedAsTheApiRefusesIt_AndTheDashboardToo()
    {
        await using var h = await ManagementHarness.StartAsync();
        var api = await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.RootId, action = "disable" });

        using var scope = h.Gateway.Services.CreateScope();
        var admin = await FindUserAsync(scope, h.AdminId);
        var result = await scope.ServiceProvider.GetRequiredService<UserService>().ManageAsync(admin, h.RootId, "disable", null, Ct);
        var dashboard = await DashboardForm.PostAsync(h.Admin, "/users", "/users/manage", new() { ["id"] = $"{h.RootId}", ["action"] = "disable" });

        Assert.Equal(HttpStatusCode.Forbidden, api.Status);
        Assert.NotNull(result.Error);
        Assert.Equal((int)api.Status, result.Error.StatusCode);
        Assert.Equal(api.Message, result.Error.Message);
        Assert.Equal(HttpStatusCode.Forbidden, dashboard);
        Assert.Equal(UserStatus.Enabled, (await FindUserAsync(scope, h.RootId)).Status);
    }

    [Fact]
    public async Task DashboardTokenForm_QuotaNotANumber_RefusedWithTheApisFieldMessage()
    {
        await using var h = await ManagementHarness.StartAsync();
        var api = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "k", remain_quota = "lots" });

        var status = await DashboardForm.PostAsync(h.User, "/tokens", "/tokens/create", new() { ["name"] = "k", ["remain_quota"] = "lots" });

        Assert.Equal(HttpStatusCode.BadRequest, api.Status);
        Assert.Equal("Field 'remain_quota' must be an integer.", api.Message);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(0, (await h.User.SendAsync(HttpMethod.Get, "/api/token/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task DashboardLogs_UnknownType_RefusedAsTheLogApiRefusesIt()
    {
        await using var h = await ManagementHarness.StartAsync();
        var api = await h.User.SendAsync(HttpMethod.Get, "/api/log/self?type=99");

        using var page = await h.User.Http.GetAsync("/dashboard/logs?type=99", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, api.Status);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.StartsWith("Query 'type' must be 0 (all) or a log type", api.Message, StringComparison.Ordinal);
        Assert.Contains(api.Message["Query 'type' ".Length..], html, StringComparison.Ordinal); // After the quotes, which the page encodes.
    }

    [Fact]
    public async Task ChannelService_CommonUserDisablesAChannel_RefusedWithTheApisStatusAndMessage()
    {
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateChannelAsync(h);
        var api = await h.User.SendAsync(HttpMethod.Put, "/api/channel/", new { id, status = 2 });

        using var scope = h.Gateway.Services.CreateScope();
        var alice = await FindUserAsync(scope, h.UserId);
        var result = await scope.ServiceProvider.GetRequiredService<ChannelService>().UpdateAsync(alice, id, new ChannelChanges { Status = ChannelStatus.ManuallyDisabled }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, api.Status);
        Assert.NotNull(result.Error);
        Assert.Equal((int)api.Status, result.Error.StatusCode);
        Assert.Equal(api.Message, result.Error.Message);
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task GroupService_CommonUserListsGroups_RefusedWithTheApisStatusAndMessage()
    {
        await using var h = await ManagementHarness.StartAsync();
        var api = await h.User.SendAsync(HttpMethod.Get, "/api/group/");

        using var scope = h.Gateway.Services.CreateScope();
        var alice = await FindUserAsync(scope, h.UserId);
        var result = await scope.ServiceProvider.GetRequiredService<GroupService>().ListAsync(alice, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, api.Status);
        Assert.NotNull(result.Error);
        Assert.Equal((int)api.Status, result.Error.StatusCode);
        Assert.Equal(api.Message, result.Error.Message);
    }

    [Fact]
    public async Task DashboardChannelForm_WeightNotANumber_RefusedWithTheApisFieldMessage()
    {
        await using var h = await ManagementHarness.StartAsync();
        var fields = new Dictionary<string, string>
        {
            ["id"] = "0", ["name"] = "up", ["type"] = "openai", ["base_url"] = "https://upstream.example", ["models"] = "m", ["key"] = "sk-up", ["weight"] = "heavy",
        };
        var api = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "up", type = "openai", base_url = "https://upstream.example", models = "m", key = "sk-up", weight = "heavy" });

        using var page = await DashboardForm.SendAsync(h.Admin, "/channels/edit", "/channels/save", fields);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, api.Status);
        Assert.Equal("Field 'weight' must be an integer.", api.Message);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("must be an integer.", html, StringComparison.Ordinal);
        Assert.Equal(0, (await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task DashboardChannelStatus_AdminDisablesAndEnables_TheApiSeesEachChange()
    {
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateChannelAsync(h);

        var disabled = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/status", new() { ["id"] = $"{id}", ["status"] = "2" });
        var afterDisable = (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["status"]!.GetValue<int>();
        var enabled = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/status", new() { ["id"] = $"{id}", ["status"] = "1" });
        var afterEnable = (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["status"]!.GetValue<int>();
        var bad = await DashboardForm.PostAsync(h.Admin, "/channels", "/channels/status", new() { ["id"] = $"{id}", ["status"] = "9" });

        Assert.Equal(HttpStatusCode.OK, disabled);
        Assert.Equal(2, afterDisable);
        Assert.Equal(HttpStatusCode.OK, enabled);
        Assert.Equal(1, afterEnable);
        Assert.Equal(HttpStatusCode.BadRequest, bad);
    }

    private static async Task<long> CreateChannelAsync(ManagementHarness h)
    {
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "up", type = "openai", base_url = "https://upstream.example", models = "m", key = "sk-up" });
        Assert.True(created.Success, created.Message);
        return created.Data![0]!["id"]!.GetValue<long>();
    }

    private static async Task<RelayUser> FindUserAsync(IServiceScope scope, long id) =>
        await scope.ServiceProvider.GetRequiredService<IUserStore>().FindAsync(id, Ct) ?? throw new InvalidOperationException($"No user {id}.");
}

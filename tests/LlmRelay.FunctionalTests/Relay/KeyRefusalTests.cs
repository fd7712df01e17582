using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Users;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Keys the relay must refuse, in every caller family: the caller's own error shape, no upstream call, no charge, no consume row.</summary>
public sealed class KeyRefusalTests
{
    private const long Balance = 1_000_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var caller in CallerRequest.Families)
        {
            foreach (var refusal in (string[])["expired", "exhausted", "disabled", "ip-blocked", "model-not-allowed", "user-disabled", "user-exhausted"])
            {
                data.Add(caller, refusal);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task RefusedKey_AnswersInTheCallersShape_ReachesNoUpstream_ChargesNothing(string caller, string refusal)
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: Balance),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o", "other-model"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);
        var original = await FindTokenAsync(gateway);

        await ChangeTokenAsync(gateway, refusal);
        using var response = await client.SendAsync(CallerRequest.Build(caller, "gpt-4o", stream: false, Settings.Key), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        var (status, openAIType, anthropicType, geminiStatus, words) = refusal switch
        {
            "expired" => (401, "authentication_error", "authentication_error", "UNAUTHENTICATED", "expired"),
            "disabled" => (401, "authentication_error", "authentication_error", "UNAUTHENTICATED", "disabled"),
            "exhausted" => (429, "insufficient_quota", "permission_error", "RESOURCE_EXHAUSTED", "quota"),
            "user-exhausted" => (429, "insufficient_quota", "permission_error", "RESOURCE_EXHAUSTED", "quota of the user who owns"),
            "ip-blocked" => (403, "permission_error", "permission_error", "PERMISSION_DENIED", "address"),
            "model-not-allowed" => (403, "permission_error", "permission_error", "PERMISSION_DENIED", "gpt-4o"),
            _ => (403, "permission_error", "permission_error", "PERMISSION_DENIED", "user"),
        };
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        var (type, message) = CallerRequest.ReadError(caller, text, status);
        Assert.Equal(caller switch { "anthropic" => anthropicType, "gemini" or "gemini-query" => geminiStatus, _ => openAIType }, type);
        Assert.Contains(words, message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Settings.Key, text, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
        var after = await FindTokenAsync(gateway);
        Assert.Equal(refusal == "exhausted" ? 0 : Balance, after.RemainQuota);
        Assert.Equal(0, after.UsedQuota);
        if (after.UserId != 0)
        {
            // The owner's quota was neither reserved nor charged.
            using var scope = gateway.Services.CreateScope();
            var owner = (await scope.ServiceProvider.GetRequiredService<IUserStore>().FindAsync(after.UserId, Ct))!;
            Assert.Equal((refusal == "user-exhausted" ? 10L : 0L, 0L, 0L), (owner.Quota, owner.UsedQuota, owner.RequestCount));
        }

        // Restored, the same key works: the one row logged is that call's, so the refusal logged nothing.
        await RestoreTokenAsync(gateway, original);
        using var ok = await client.SendAsync(CallerRequest.Build(caller, "gpt-4o", stream: false, Settings.Key), Ct);
        Assert.True(ok.IsSuccessStatusCode, await ok.Content.ReadAsStringAsync(Ct));
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(LlmRelay.Usage.UsageLogType.Consume, log.Type);
        Assert.Single(upstream.Requests);
    }

    private static async Task ChangeTokenAsync(GatewayFactory gateway, string refusal)
    {
        using var scope = gateway.Services.CreateScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ITokenStore>();
        var token = (await tokens.FindByKeyHashAsync(ApiKeys.Hash(Settings.Key), Ct))!;
        switch (refusal)
        {
            case "expired":
                token.ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1);
                break;
            case "exhausted":
                token.RemainQuota = 0;
                break;
            case "disabled":
                token.Status = TokenStatus.Disabled;
                break;
            case "ip-blocked":
                token.AllowIps = ["10.0.0.0/8", "2001:db8::/32"];
                break;
            case "model-not-allowed":
                token.Models = ["other-model"];
                break;
            case "user-exhausted":
                // The key has quota left; the user who owns it does not have enough for a call's reservation.
                var poor = new RelayUser { Username = "poor", Quota = 10, CreatedAt = DateTimeOffset.UtcNow };
                await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(poor, Ct);
                token.UserId = poor.Id;
                break;
            default:
                var user = new RelayUser { Username = "banned", Status = UserStatus.Disabled, CreatedAt = DateTimeOffset.UtcNow };
                await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(user, Ct);
                token.UserId = user.Id;
                break;
        }

        await tokens.UpdateAsync(token, Ct);
        gateway.Services.GetRequiredService<TokenCache>().Clear();
    }

    private static async Task RestoreTokenAsync(GatewayFactory gateway, ApiToken original)
    {
        using var scope = gateway.Services.CreateScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ITokenStore>();
        var token = (await tokens.FindAsync(original.Id, Ct))!;
        token.ExpiresAt = original.ExpiresAt;
        token.RemainQuota = original.RemainQuota;
        token.Status = original.Status;
        token.AllowIps = original.AllowIps;
        token.Models = original.Models;
        token.UserId = original.UserId;
        await tokens.UpdateAsync(token, Ct);
        gateway.Services.GetRequiredService<TokenCache>().Clear();
    }

    private static async Task<ApiToken> FindTokenAsync(GatewayFactory gateway)
    {
        using var scope = gateway.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindByKeyHashAsync(ApiKeys.Hash(Settings.Key), Ct))!;
    }
}

using System.Net;
using LlmRelay.AspNetCore.Management.Admin;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Security;

/// <summary>Guessing the admin key through <c>Authorization: Bearer</c> on <c>/admin</c> routes is limited per client address and cheap to refuse (issue #13, item 3).</summary>
public sealed class AdminKeyGuessingTests
{
    private const string AdminKey = "admin-key-for-guessing-tests-1";

    private static async Task<GatewayFactory> StartAsync(FakeTimeProvider time, CountingAdminPasswordHasher? hasher = null)
    {
        var gateway = new GatewayFactory(
            new Dictionary<string, string?> { ["LlmRelay:Admin:Key"] = AdminKey },
            services =>
            {
                services.AddSingleton<TimeProvider>(time);
                if (hasher is not null)
                {
                    services.AddSingleton<IAdminPasswordHasher>(hasher);
                }
            });
        gateway.Start();
        return gateway;
    }

    [Fact]
    public async Task WrongKeys_FromOneAddress_Answer429AfterTheLimit_OtherAddressesAndTheNextWindowStillWork()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(time);
        using var attacker = new RawClient(gateway.BaseAddress, "127.0.0.2");
        using var operatorClient = new RawClient(gateway.BaseAddress, "127.0.0.3");

        var refusals = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            refusals.Add((await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: $"guess-{i}")).Status);
        }

        Assert.All(refusals.Take(10), static s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(refusals.Skip(10), static s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

        var limited = await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: "guess-again");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Contains("Too many", limited.Json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value.TotalSeconds, 1, 60);

        // Even the right key is refused from the limited address until the window ends: no oracle for guesses.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: AdminKey)).Status);

        // Another address is not affected.
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.SendAsync(HttpMethod.Get, "/admin/settings", bearer: AdminKey)).Status);

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.OK, (await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: AdminKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: "guess-after-window")).Status);
    }

    [Fact]
    public async Task WrongPasswords_ThroughLoginAndBearer_ShareTheLimit()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(time);
        using var attacker = new RawClient(gateway.BaseAddress, "127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.SendAsync(HttpMethod.Post, "/admin/login", $$"""{"admin_key":"guess-{{i}}"}""")).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: $"guess-{i}")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.SendAsync(HttpMethod.Post, "/admin/login", $$"""{"admin_key":"{{AdminKey}}"}""")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.SendAsync(HttpMethod.Get, "/admin/settings", bearer: AdminKey)).Status);
    }

    [Fact]
    public async Task AfterAPasswordChange_WrongGuessesAndTheRightPassword_CostNoPasswordHash()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hasher = new CountingAdminPasswordHasher();
        await using var gateway = await StartAsync(time, hasher);
        using var client = new RawClient(gateway.BaseAddress, "127.0.0.2");
        const string NewPassword = "new-admin-password-1";

        var changed = await client.SendAsync(HttpMethod.Post, "/admin/settings/password", $$"""{"new_password":"{{NewPassword}}"}""", bearer: AdminKey);
        Assert.True(changed.Status == HttpStatusCode.OK, changed.Text);
        var afterChange = hasher.Count;

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/admin/settings", bearer: $"guess-{i}")).Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/admin/settings", bearer: NewPassword)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/admin/settings", bearer: AdminKey)).Status);
        Assert.Equal(afterChange, hasher.Count);
    }
}

/// <summary>The real admin password hasher, counting its calls.</summary>
internal sealed class CountingAdminPasswordHasher : IAdminPasswordHasher
{
    private readonly Pbkdf2AdminPasswordHasher _inner = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public byte[] Hash(string password, byte[] salt, int length)
    {
        Interlocked.Increment(ref _count);
        return _inner.Hash(password, salt, length);
    }
}

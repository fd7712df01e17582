using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>Per-channel timeouts and persisted key disablement, on both providers.</summary>
public sealed class ChannelResilienceStoreTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ChannelTimeouts_RoundTrip_AndNullMeansUnset(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var channel = TestData.Channel();
        channel.Name = $"timeouts-{Guid.NewGuid():N}";
        channel.ConnectTimeout = TimeSpan.FromMilliseconds(2500);
        channel.FirstByteTimeout = TimeSpan.FromMinutes(2);
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var found = await scope.ServiceProvider.GetRequiredService<IChannelStore>().FindAsync(channel.Id, Ct);
            Assert.NotNull(found);
            Assert.Equal(TimeSpan.FromMilliseconds(2500), found.ConnectTimeout);
            Assert.Equal(TimeSpan.FromMinutes(2), found.FirstByteTimeout);
            Assert.Null(found.IdleTimeout);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AutoDisabledKeys_RoundTrip_AndAStateSavedLaterDoesNotOverwriteThem(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var channelId = Random.Shared.NextInt64(1_000_000, long.MaxValue);
        var at = new DateTimeOffset(2026, 11, 23, 4, 30, 0, TimeSpan.Zero);
        await using (var scope = database.CreateScope())
        {
            var states = scope.ServiceProvider.GetRequiredService<IChannelStateStore>();
            await states.SaveAsync(new LlmRelay.Management.ChannelState { ChannelId = channelId, Tag = "a" }, Ct);
            var stale = await states.FindAsync(channelId, Ct);
            await states.SaveAutoDisabledKeysAsync(channelId, [new() { Fingerprint = new string('f', 64), KeyHint = "sk-abcd...wxyz", Reason = "401: bad key", DisabledAt = at }], Ct);

            // A tag edit that read the state before the record was written must not drop it.
            stale!.Tag = "b";
            await states.SaveAsync(stale, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var state = await scope.ServiceProvider.GetRequiredService<IChannelStateStore>().FindAsync(channelId, Ct);
            Assert.NotNull(state);
            Assert.Equal("b", state.Tag);
            var record = Assert.Single(state.AutoDisabledKeys);
            Assert.Equal(new string('f', 64), record.Fingerprint);
            Assert.Equal("sk-abcd...wxyz", record.KeyHint);
            Assert.Equal("401: bad key", record.Reason);
            Assert.Equal(at, record.DisabledAt);
            await scope.ServiceProvider.GetRequiredService<IChannelStateStore>().SaveAutoDisabledKeysAsync(channelId, [], Ct);
            Assert.Empty((await scope.ServiceProvider.GetRequiredService<IChannelStateStore>().FindAsync(channelId, Ct))!.AutoDisabledKeys);
        }
    }
}

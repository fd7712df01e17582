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
}

using LlmRelay.Channels;
using LlmRelay.Formats.Conversion;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class ChannelStoreTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AddAsync_ThenFindAsync_RoundTripsEveryField(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var channel = TestData.Channel();
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        Assert.NotEqual(0, channel.Id);
        await using (var scope = database.CreateScope())
        {
            var found = await scope.ServiceProvider.GetRequiredService<IChannelStore>().FindAsync(channel.Id, Ct);

            Assert.NotNull(found);
            Assert.NotSame(channel, found);
            Assert.Equal(channel.Name, found.Name);
            Assert.Equal(channel.Type, found.Type);
            Assert.Equal(channel.BaseUrl, found.BaseUrl);
            Assert.Equal(["sk-one", "sk-two"], found.Keys);
            Assert.Equal(["gpt-4o", "gpt-4o-mini"], found.Models);
            Assert.Equal(channel.ModelMapping, found.ModelMapping);
            Assert.Equal(channel.Group, found.Group);
            Assert.Equal(10, found.Priority);
            Assert.Equal(3, found.Weight);
            Assert.Equal(ChannelStatus.Enabled, found.Status);
            Assert.Equal("config", found.Source);
            Assert.Equal(TestData.Time, found.CreatedAt);
            Assert.Equal(TestData.Time.UtcDateTime, found.CreatedAt.UtcDateTime);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ModelCapabilities_RoundTrip_AndInPlaceChangesAreSaved(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var channel = TestData.Channel();
        channel.ModelCapabilities["gpt-4o"] = new ModelCapability { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 4000, TemperatureOrTopP = true };
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            var found = (await store.FindAsync(channel.Id, Ct))!;
            Assert.Equal(new ModelCapability { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 4000, TemperatureOrTopP = true }, found.ModelCapabilities["GPT-4O"]);
            found.ModelCapabilities["o3"] = new ModelCapability { DefaultOutputTokens = 1000, SamplingWithReasoning = false };
            found.ModelCapabilities.Remove("gpt-4o");
            await store.UpdateAsync(found, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var found = (await scope.ServiceProvider.GetRequiredService<IChannelStore>().FindAsync(channel.Id, Ct))!;
            var only = Assert.Single(found.ModelCapabilities);
            Assert.Equal("o3", only.Key);
            Assert.Equal(new ModelCapability { DefaultOutputTokens = 1000, SamplingWithReasoning = false }, only.Value);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task UpdateAsync_InPlaceCollectionChanges_AreSaved(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var channel = TestData.Channel();
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            var found = (await store.FindAsync(channel.Id, Ct))!;
            found.Models.Add("o3");
            found.Keys.RemoveAt(0);
            found.ModelMapping["fast"] = "o3";
            found.ModelMapping.Remove("gpt-4");
            found.Status = ChannelStatus.AutoDisabled;
            await store.UpdateAsync(found, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var found = (await scope.ServiceProvider.GetRequiredService<IChannelStore>().FindAsync(channel.Id, Ct))!;
            Assert.Equal(["gpt-4o", "gpt-4o-mini", "o3"], found.Models);
            Assert.Equal(["sk-two"], found.Keys);
            Assert.Equal(new Dictionary<string, string> { ["fast"] = "o3" }, found.ModelMapping);
            Assert.Equal(ChannelStatus.AutoDisabled, found.Status);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task UpdateAsync_EntityFromAnotherScope_IsSaved(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var channel = TestData.Channel();
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        channel.BaseUrl = "https://other.example.com";
        channel.Models = ["only"];
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().UpdateAsync(channel, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var found = (await scope.ServiceProvider.GetRequiredService<IChannelStore>().FindAsync(channel.Id, Ct))!;
            Assert.Equal("https://other.example.com", found.BaseUrl);
            Assert.Equal(["only"], found.Models);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ListAsync_AndDeleteAsync_Work(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var first = TestData.Channel();
        var second = TestData.Channel();
        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            await store.AddAsync(first, Ct);
            await store.AddAsync(second, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            var ids = (await store.ListAsync(Ct)).Select(static c => c.Id).ToList();
            Assert.Equal(ids.Order().ToList(), ids);
            Assert.Contains(first.Id, ids);
            Assert.Contains(second.Id, ids);

            _ = await store.FindAsync(first.Id, Ct);
            Assert.True(await store.DeleteAsync(first.Id, Ct));
            Assert.False(await store.DeleteAsync(first.Id, Ct));
            Assert.Null(await store.FindAsync(first.Id, Ct));
        }

        await using (var scope = database.CreateScope())
        {
            var ids = (await scope.ServiceProvider.GetRequiredService<IChannelStore>().ListAsync(Ct)).Select(static c => c.Id).ToList();
            Assert.DoesNotContain(first.Id, ids);
            Assert.Contains(second.Id, ids);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AddAsync_DuplicateName_Throws(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var name = TestData.Unique("dup");
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(TestData.Channel(name), Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            await Assert.ThrowsAsync<DbUpdateException>(() => store.AddAsync(TestData.Channel(name), Ct));
        }
    }
}

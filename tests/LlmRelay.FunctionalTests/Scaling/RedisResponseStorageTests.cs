using System.Text;
using LlmRelay.AspNetCore.Scaling.Responses;
using LlmRelay.Responses;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>The Redis response store: the in-memory store's owner check, time to live and size limit, shared by every instance (issue #18).</summary>
public sealed class RedisResponseStorageTests : RedisScratch
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task StoreAsync_ThenAnotherInstance_ReadsTheBodyAndTheWholeTurnChain()
    {
        var writer = await CreateSutAsync();
        var reader = await CreateSutAsync();
        var first = new ResponseTurn(null, Encoding.UTF8.GetBytes("""{"role":"user","content":"one"}"""), 3, storedUpstream: true);
        var second = new ResponseTurn(first, Encoding.UTF8.GetBytes("""{"role":"user","content":"two"},{"type":"message"}"""), 4, storedUpstream: false);

        await writer.StoreAsync("resp_2", 7, Encoding.UTF8.GetBytes("""{"id":"resp_2"}"""), second, Ct);

        var body = await reader.GetAsync("resp_2", 7, Ct);
        var turn = await reader.FindTurnAsync("resp_2", 7, Ct);
        Assert.Equal("""{"id":"resp_2"}""", Encoding.UTF8.GetString(body!.Value.Span));
        Assert.NotNull(turn);
        Assert.Equal((2, second.HistoryLength, 4L, false), (turn.Depth, turn.HistoryLength, turn.ChannelId, turn.StoredUpstream));
        Assert.Equal((3L, true), (turn.Previous!.ChannelId, turn.Previous.StoredUpstream));
        var items = new System.Buffers.ArrayBufferWriter<byte>();
        turn.WriteItems(items);
        Assert.Equal("""{"role":"user","content":"one"},{"role":"user","content":"two"},{"type":"message"}""", Encoding.UTF8.GetString(items.WrittenSpan));
    }

    [Fact]
    public async Task GetAsync_AnotherTokensResponse_ReadsAsMissing()
    {
        var store = await CreateSutAsync();
        await store.StoreAsync("resp_1", 1, "{}"u8.ToArray(), new ResponseTurn(null, "{}"u8.ToArray(), 1, false), Ct);

        Assert.Null(await store.GetAsync("resp_1", 2, Ct));
        Assert.Null(await store.FindTurnAsync("resp_1", 2, Ct));
        Assert.Null(await store.GetAsync("resp_unknown", 1, Ct));
        Assert.NotNull(await store.GetAsync("resp_1", 1, Ct));
    }

    [Fact]
    public async Task StoreAsync_WithoutTurn_KeepsTheBodyOnly_WithTheTimeToLive()
    {
        var store = await CreateSutAsync(ttl: TimeSpan.FromMinutes(10));
        await store.StoreAsync("resp_1", 1, "{}"u8.ToArray(), null, Ct);

        Assert.NotNull(await store.GetAsync("resp_1", 1, Ct));
        Assert.Null(await store.FindTurnAsync("resp_1", 1, Ct));
        var ttl = await Redis!.GetDatabase().KeyTimeToLiveAsync(store.Key("resp_1", 1));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task StoreAsync_BeyondMaxEntries_DropsTheOldest()
    {
        var store = await CreateSutAsync(maxEntries: 3);
        for (var i = 1; i <= 4; i++)
        {
            await store.StoreAsync($"resp_{i}", 1, "{}"u8.ToArray(), null, Ct);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Null(await store.GetAsync("resp_1", 1, Ct));
        for (var i = 2; i <= 4; i++)
        {
            Assert.NotNull(await store.GetAsync($"resp_{i}", 1, Ct));
        }
    }

    [Fact]
    public async Task StoreAsync_SameIdAgain_ReplacesTheEntryAndDropsItsOldTurn()
    {
        var store = await CreateSutAsync();
        await store.StoreAsync("resp_1", 1, "{\"v\":1}"u8.ToArray(), new ResponseTurn(null, "{}"u8.ToArray(), 1, false), Ct);
        await store.StoreAsync("resp_1", 1, "{\"v\":2}"u8.ToArray(), null, Ct);

        Assert.Equal("{\"v\":2}", Encoding.UTF8.GetString((await store.GetAsync("resp_1", 1, Ct))!.Value.Span));
        Assert.Null(await store.FindTurnAsync("resp_1", 1, Ct));
    }

    private async Task<RedisResponseStorage> CreateSutAsync(TimeSpan? ttl = null, int maxEntries = 100)
    {
        var redis = await ConnectAsync();
        return new RedisResponseStorage(redis, ttl ?? TimeSpan.FromHours(1), maxEntries, _clock, NullLogger.Instance, Prefix);
    }
}

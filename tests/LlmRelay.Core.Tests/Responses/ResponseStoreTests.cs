using System.Text;
using LlmRelay.Configuration;
using LlmRelay.Responses;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Responses;

public sealed class ResponseStoreTests
{
    private const long Owner = 7;
    private const long Other = 8;

    private static readonly byte[] Body = """{"id":"resp_1","object":"response","status":"completed"}"""u8.ToArray();

    private readonly FakeTimeProvider _time = new();

    private ResponseStore CreateSut(TimeSpan? ttl = null, int maxEntries = ResponseStore.DefaultMaxEntries) =>
        new(ttl ?? TimeSpan.FromHours(1), maxEntries, _time);

    [Fact]
    public void TryGet_SameToken_ReturnsTheBody()
    {
        var sut = CreateSut();
        sut.Store("resp_1", Owner, Body);

        Assert.True(sut.TryGet("resp_1", Owner, out var body));
        Assert.Equal(Body, body.ToArray());
    }

    [Fact]
    public void TryGet_OtherToken_ReadsLikeAMissingId()
    {
        var sut = CreateSut();
        sut.Store("resp_1", Owner, Body);

        Assert.False(sut.TryGet("resp_1", Other, out var body));
        Assert.True(body.IsEmpty);
        Assert.False(sut.TryGet("resp_missing", Other, out _));

        // The owner can still read it: a probe by another token does not disturb the entry.
        Assert.True(sut.TryGet("resp_1", Owner, out _));
    }

    [Fact]
    public void Store_SameIdForAnotherToken_NeitherReplacesNorReveals()
    {
        // Issue #16: two keys may meet the same upstream id (converted answers keep the upstream's); each keeps its own entry.
        var sut = CreateSut();
        var ownerTurn = new ResponseTurn(null, Encoding.UTF8.GetBytes("""{"role":"user","content":"mine"}"""), 1, storedUpstream: false);
        sut.Store("resp_1", Owner, Body, ownerTurn);
        sut.Store("resp_1", Other, Body, new ResponseTurn(null, Encoding.UTF8.GetBytes("""{"role":"user","content":"theirs"}"""), 1, storedUpstream: false));

        Assert.Same(ownerTurn, sut.FindTurn("resp_1", Owner));
        Assert.NotSame(ownerTurn, sut.FindTurn("resp_1", Other));
        Assert.Null(sut.FindTurn("resp_1", 99));
        Assert.Equal(2, sut.Count);
    }

    [Fact]
    public void FindTurn_KeepsTheWholeChain_WhenEarlierTurnsWereEvicted()
    {
        var sut = CreateSut(maxEntries: 1);
        var first = new ResponseTurn(null, Encoding.UTF8.GetBytes("""{"role":"user","content":"a"},{"type":"message","role":"assistant","content":"b"}"""), 1, storedUpstream: true);
        sut.Store("resp_1", Owner, Body, first);
        sut.Store("resp_2", Owner, Body, new ResponseTurn(first, Encoding.UTF8.GetBytes("""{"role":"user","content":"c"}"""), 2, storedUpstream: false));

        Assert.Null(sut.FindTurn("resp_1", Owner));
        var turn = sut.FindTurn("resp_2", Owner)!;
        var history = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.True(turn.WriteItems(history));
        Assert.Equal("""{"role":"user","content":"a"},{"type":"message","role":"assistant","content":"b"},{"role":"user","content":"c"}""", Encoding.UTF8.GetString(history.WrittenSpan));
        Assert.Equal(2, turn.Depth);
        Assert.Equal(2, turn.ChannelId);
        Assert.True(turn.Previous!.StoredUpstream);
    }

    [Fact]
    public void FindTurn_AfterTtl_ReturnsNull()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(10));
        sut.Store("resp_1", Owner, Body, new ResponseTurn(null, default, 0, storedUpstream: false));

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(sut.FindTurn("resp_1", Owner));
    }

    [Fact]
    public void TryGet_AfterTtl_ReturnsFalseAndDropsTheEntry()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(10));
        sut.Store("resp_1", Owner, Body);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.True(sut.TryGet("resp_1", Owner, out _));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(sut.TryGet("resp_1", Owner, out _));
        Assert.Equal(0, sut.Count);
    }

    [Fact]
    public void Store_AfterOthersExpired_SweepsThem()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(10));
        sut.Store("resp_1", Owner, Body);
        sut.Store("resp_2", Owner, Body);
        _time.Advance(TimeSpan.FromMinutes(5));
        sut.Store("resp_3", Owner, Body);

        _time.Advance(TimeSpan.FromMinutes(5));
        sut.Store("resp_4", Owner, Body);

        Assert.Equal(2, sut.Count);
        Assert.True(sut.TryGet("resp_3", Owner, out _));
        Assert.True(sut.TryGet("resp_4", Owner, out _));
    }

    [Fact]
    public void Store_BeyondCapacity_EvictsTheOldest()
    {
        var sut = CreateSut(maxEntries: 3);

        for (var i = 1; i <= 5; i++)
        {
            sut.Store($"resp_{i}", Owner, Body);
        }

        Assert.Equal(3, sut.Count);
        Assert.False(sut.TryGet("resp_1", Owner, out _));
        Assert.False(sut.TryGet("resp_2", Owner, out _));
        Assert.True(sut.TryGet("resp_3", Owner, out _));
        Assert.True(sut.TryGet("resp_5", Owner, out _));
    }

    [Fact]
    public void Store_DefaultCapacity_KeepsTenThousand()
    {
        var sut = CreateSut();

        for (var i = 0; i <= ResponseStore.DefaultMaxEntries; i++)
        {
            sut.Store($"resp_{i}", Owner, Body);
        }

        Assert.Equal(10_000, sut.Count);
        Assert.False(sut.TryGet("resp_0", Owner, out _));
        Assert.True(sut.TryGet("resp_1", Owner, out _));
    }

    [Fact]
    public void Store_SameId_ReplacesWithoutEvictingOthers()
    {
        var sut = CreateSut(maxEntries: 2);
        sut.Store("resp_1", Owner, Body);
        sut.Store("resp_2", Owner, Body);

        sut.Store("resp_1", Other, "{}");
        sut.Store("resp_3", Owner, Body);

        Assert.Equal(2, sut.Count);
        Assert.False(sut.TryGet("resp_1", Owner, out _));
        Assert.True(sut.TryGet("resp_1", Other, out var replaced));
        Assert.Equal("{}", Encoding.UTF8.GetString(replaced.Span));
        Assert.True(sut.TryGet("resp_3", Owner, out _));
    }

    [Fact]
    public void Store_String_StoresUtf8()
    {
        var sut = CreateSut();

        sut.Store("resp_1", Owner, """{"output_text":"你好"}""");

        Assert.True(sut.TryGet("resp_1", Owner, out var body));
        Assert.Equal("""{"output_text":"你好"}""", Encoding.UTF8.GetString(body.Span));
    }

    [Fact]
    public void TryRemove_OnlyTheOwnerRemoves()
    {
        var sut = CreateSut();
        sut.Store("resp_1", Owner, Body);

        Assert.False(sut.TryRemove("resp_1", Other));
        Assert.True(sut.TryGet("resp_1", Owner, out _));
        Assert.True(sut.TryRemove("resp_1", Owner));
        Assert.False(sut.TryGet("resp_1", Owner, out _));
        Assert.False(sut.TryRemove("resp_1", Owner));
    }

    [Fact]
    public async Task Store_ConcurrentWriters_NeverExceedCapacity()
    {
        var sut = CreateSut(maxEntries: 100);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(
            () =>
            {
                for (var i = 0; i < 1000; i++)
                {
                    sut.Store($"resp_{w}_{i}", w, Body);
                    sut.TryGet($"resp_{w}_{i}", w, out _);
                }
            },
            TestContext.Current.CancellationToken)));

        Assert.Equal(100, sut.Count);
    }

    [Fact]
    public void Constructor_FromOptions_UsesResponseStoreTtl()
    {
        var sut = new ResponseStore(Options.Create(new LlmRelayOptions { ResponseStoreTtl = TimeSpan.FromSeconds(90) }), _time);
        sut.Store("resp_1", Owner, Body);

        _time.Advance(TimeSpan.FromSeconds(89));
        Assert.True(sut.TryGet("resp_1", Owner, out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(sut.TryGet("resp_1", Owner, out _));
    }

    [Fact]
    public void ResponseStoreTtl_DefaultIsOneHour_AndNonPositiveFailsValidation()
    {
        Assert.Equal(TimeSpan.FromHours(1), new LlmRelayOptions().ResponseStoreTtl);

        var result = new LlmRelayOptionsValidator().Validate(null, new LlmRelayOptions { ResponseStoreTtl = TimeSpan.Zero });

        Assert.Contains("LlmRelay:ResponseStoreTtl must be greater than zero and at most 30 days.", result.Failures ?? []);
    }
}

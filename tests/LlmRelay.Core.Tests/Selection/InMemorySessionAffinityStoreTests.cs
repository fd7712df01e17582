using LlmRelay.Selection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Selection;

public sealed class InMemorySessionAffinityStoreTests
{
    private static readonly SessionAffinityKey Session = new(7, "gpt-4o", "session-1");
    private static readonly SessionAffinityTarget First = new(1, 0);
    private static readonly SessionAffinityTarget Second = new(2, 1);

    private readonly FakeTimeProvider _time = new();

    private InMemorySessionAffinityStore CreateSut(TimeSpan? ttl = null, int maxEntries = 1000) => new(ttl ?? TimeSpan.FromHours(1), maxEntries, _time);

    private static SessionAffinityKey Key(int i) => new(7, "gpt-4o", $"session-{i}");

    [Fact]
    public async Task GetAsync_AfterSet_ReturnsTheTarget()
    {
        var sut = CreateSut();
        await sut.SetAsync(Session, First, TestContext.Current.CancellationToken);

        Assert.Equal(First, await sut.GetAsync(Session, TestContext.Current.CancellationToken));
        Assert.Null(await sut.GetAsync(new SessionAffinityKey(7, "gpt-4o", "other"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Find_OtherTokenOrModel_IsAnotherSession()
    {
        var sut = CreateSut();
        sut.Set(Session, First);

        Assert.Null(sut.Find(Session with { TokenId = 8 }));
        Assert.Null(sut.Find(Session with { Model = "claude-haiku-4-5" }));
        Assert.Null(sut.Find(Session with { Model = "" }));
        Assert.Equal(First, sut.Find(Session));
    }

    [Fact]
    public void Set_AnotherTarget_MovesTheSession()
    {
        var sut = CreateSut();
        sut.Set(Session, First);
        sut.Set(Session, Second);

        Assert.Equal(Second, sut.Find(Session));
        Assert.Equal(1, sut.Count);
    }

    [Fact]
    public void Find_AfterTtl_ReturnsNullAndDropsTheEntry()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(10));
        sut.Set(Session, First);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Equal(First, sut.Find(Session));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(sut.Find(Session));
        Assert.Equal(0, sut.Count);
    }

    [Fact]
    public void Set_SameTargetAgain_ExtendsTheTtl_ButReadingDoesNot()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(10));
        sut.Set(Session, First);
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.Equal(First, sut.Find(Session));

        sut.Set(Session, First);
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.Equal(First, sut.Find(Session)); // 16 minutes after the first write, 8 after the last one

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(sut.Find(Session)); // the read at minute 8 did not extend it
    }

    [Fact]
    public void Set_AfterOthersExpired_SweepsThem()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(10));
        for (var i = 0; i < 5; i++)
        {
            sut.Set(Key(i), First);
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        sut.Set(Session, Second);

        Assert.Equal(1, sut.Count);
    }

    [Fact]
    public void Set_BeyondMaxEntries_ForgetsTheLeastRecentlyUsed()
    {
        var sut = CreateSut(maxEntries: 3);
        sut.Set(Key(0), First);
        _time.Advance(TimeSpan.FromSeconds(1));
        sut.Set(Key(1), First);
        _time.Advance(TimeSpan.FromSeconds(1));
        sut.Set(Key(2), First);
        _time.Advance(TimeSpan.FromSeconds(1));

        // Session 0 is used again: session 1 is now the least recently used and goes when a fourth arrives.
        sut.Set(Key(0), First);
        sut.Set(Key(3), First);

        Assert.Equal(3, sut.Count);
        Assert.Equal(First, sut.Find(Key(0)));
        Assert.Null(sut.Find(Key(1)));
        Assert.Equal(First, sut.Find(Key(2)));
        Assert.Equal(First, sut.Find(Key(3)));
    }

    [Fact]
    public void Set_ManyMovesOfOneSession_KeepsOneEntry_AndTheQueueBounded()
    {
        var sut = CreateSut(maxEntries: 2);
        sut.Set(Key(1), First);
        for (var i = 0; i < 100; i++)
        {
            sut.Set(Session, i % 2 == 0 ? First : Second);
        }

        // Replaced entries never crowd out live ones beyond the cap: the other session is the one forgotten, the moved one stays.
        Assert.Equal(Second, sut.Find(Session));
        Assert.True(sut.Count <= 2);
    }

    [Fact]
    public async Task SetAsync_FromManyThreads_StaysWithinTheCap()
    {
        var sut = CreateSut(maxEntries: 50);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                sut.Set(Key((t * 1000) + (i % 80)), i % 3 == 0 ? First : Second);
            }
        }, TestContext.Current.CancellationToken)));

        Assert.InRange(sut.Count, 1, 50);
    }

    [Fact]
    public void Constructor_InvalidLimits_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CreateSut(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => CreateSut(maxEntries: 0));
    }
}

using LlmRelay.Configuration;
using LlmRelay.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Health;

public sealed class ChannelHealthTrackerTests
{
    private const long Channel = 12;
    private const int Key = 0;

    private readonly FakeTimeProvider _time = new();
    private readonly RecordingSink _sink = new();

    private ChannelHealthTracker CreateSut(Action<ChannelHealthOptions>? configure = null, params IChannelKeyStatusSink[] sinks)
    {
        var options = new LlmRelayOptions();
        configure?.Invoke(options.Health);
        return new ChannelHealthTracker(Options.Create(options), _time, sinks.Length == 0 ? [_sink] : sinks, NullLogger<ChannelHealthTracker>.Instance);
    }

    private static void Fail(ChannelHealthTracker sut, int times = 1, long channel = Channel, int key = Key)
    {
        for (var i = 0; i < times; i++)
        {
            sut.ReportFailure(channel, key, ChannelFailureKind.Transient, "503 upstream unavailable");
        }
    }

    private static void Succeed(ChannelHealthTracker sut, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            sut.ReportSuccess(Channel, Key);
        }
    }

    private ChannelHealthTracker OpenBreaker()
    {
        var sut = CreateSut();
        Fail(sut, 5);
        Assert.Equal(ChannelKeyState.Open, sut.Snapshot(Channel, Key).State);
        return sut;
    }

    [Fact]
    public void TryAcquire_UnknownKey_ReturnsTrue()
    {
        var sut = CreateSut();

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.Equal(ChannelKeyHealth.Healthy, sut.Snapshot(Channel, Key));
        Assert.Equal(ChannelKeyState.Closed, sut.Snapshot(Channel, Key).State);
    }

    [Fact]
    public void ReportFailure_OneTransientFailure_StaysClosed()
    {
        // Even with the smallest allowed throughput and a ratio of 1/1, a single bad response must not open the breaker.
        var sut = CreateSut(o => o.MinimumThroughput = 2);

        Fail(sut);

        Assert.True(sut.TryAcquire(Channel, Key));
        var health = sut.Snapshot(Channel, Key);
        Assert.Equal(ChannelKeyState.Closed, health.State);
        Assert.Equal(1, health.Calls);
        Assert.Equal(1, health.Failures);
    }

    [Fact]
    public void ReportFailure_AllFailingBelowMinimumThroughput_StaysClosed()
    {
        var sut = CreateSut();

        Fail(sut, 4);

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.Equal(ChannelKeyState.Closed, sut.Snapshot(Channel, Key).State);
    }

    [Fact]
    public void ReportFailure_RatioBelowThreshold_StaysClosed()
    {
        var sut = CreateSut();

        Succeed(sut, 6);
        Fail(sut, 5);

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.Equal(new ChannelKeyHealth(ChannelKeyState.Closed, 11, 5, null, null, null), sut.Snapshot(Channel, Key));
    }

    [Fact]
    public void ReportFailure_ThresholdReached_OpensForBreakDuration()
    {
        var sut = CreateSut();
        Succeed(sut, 3);
        Fail(sut, 2);
        Assert.True(sut.TryAcquire(Channel, Key));

        Fail(sut); // 3 of 6 = 0.5

        Assert.False(sut.TryAcquire(Channel, Key));
        var health = sut.Snapshot(Channel, Key);
        Assert.Equal(ChannelKeyState.Open, health.State);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), health.OpenUntil);
        Assert.Equal(6, health.Calls);
        Assert.Equal(3, health.Failures);
        Assert.False(sut.IsDisabled(Channel, Key));
    }

    [Fact]
    public void TryAcquire_OpenBeforeBreakEnds_ReturnsFalse()
    {
        var sut = OpenBreaker();

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));

        Assert.False(sut.TryAcquire(Channel, Key));
    }

    [Fact]
    public void TryAcquire_BreakEnded_ReportsHalfOpenAndAdmitsOneProbe()
    {
        var sut = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(ChannelKeyState.HalfOpen, sut.Snapshot(Channel, Key).State);
        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.False(sut.TryAcquire(Channel, Key));
        Assert.Equal(ChannelKeyState.HalfOpen, sut.Snapshot(Channel, Key).State);
    }

    [Fact]
    public async Task TryAcquire_HalfOpenUnderConcurrency_AdmitsExactlyOneProbe()
    {
        for (var round = 0; round < 20; round++)
        {
            var sut = OpenBreaker();
            _time.Advance(TimeSpan.FromSeconds(30));
            using var start = new Barrier(50);
            var admitted = 0;

            var callers = Enumerable.Range(0, 50).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait(TestContext.Current.CancellationToken);
                    if (sut.TryAcquire(Channel, Key))
                    {
                        Interlocked.Increment(ref admitted);
                    }
                },
                TestContext.Current.CancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default));
            await Task.WhenAll(callers);

            Assert.Equal(1, admitted);
        }
    }

    [Fact]
    public void ReportSuccess_ProbeSucceeds_ClosesWithEmptyWindow()
    {
        var sut = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(sut.TryAcquire(Channel, Key));

        Succeed(sut);

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.Equal(new ChannelKeyHealth(ChannelKeyState.Closed, 0, 0, null, null, null), sut.Snapshot(Channel, Key));

        // The window was reset: four more failures stay under the minimum throughput.
        Fail(sut, 4);
        Assert.True(sut.TryAcquire(Channel, Key));
    }

    [Fact]
    public void ReportFailure_ProbeFails_ReopensForAnotherBreak()
    {
        var sut = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(sut.TryAcquire(Channel, Key));

        Fail(sut);

        Assert.False(sut.TryAcquire(Channel, Key));
        Assert.Equal(ChannelKeyState.Open, sut.Snapshot(Channel, Key).State);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), sut.Snapshot(Channel, Key).OpenUntil);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(sut.TryAcquire(Channel, Key));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(sut.TryAcquire(Channel, Key));
    }

    [Fact]
    public void TryAcquire_ProbeNeverReports_AdmitsAnotherProbeAfterBreakDuration()
    {
        var sut = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(sut.TryAcquire(Channel, Key));

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(sut.TryAcquire(Channel, Key));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.False(sut.TryAcquire(Channel, Key));
    }

    [Fact]
    public void ReportSuccess_WhileOpen_IsIgnored()
    {
        var sut = OpenBreaker();

        Succeed(sut, 10);

        Assert.False(sut.TryAcquire(Channel, Key));
        Assert.Equal(ChannelKeyState.Open, sut.Snapshot(Channel, Key).State);
    }

    [Fact]
    public void ReportFailure_OldFailuresLeftTheWindow_StaysClosed()
    {
        var sut = CreateSut();
        Fail(sut, 2);

        _time.Advance(TimeSpan.FromSeconds(61));
        Succeed(sut, 2);
        Fail(sut); // 5 calls and 3 failures if the window did not slide

        Assert.True(sut.TryAcquire(Channel, Key));
        var health = sut.Snapshot(Channel, Key);
        Assert.Equal(ChannelKeyState.Closed, health.State);
        Assert.Equal(3, health.Calls);
        Assert.Equal(1, health.Failures);
    }

    [Fact]
    public void ReportFailure_WindowSlidesByBucket_CountsOnlyTheLastSamplingDuration()
    {
        var sut = CreateSut();
        Fail(sut, 3);                           // bucket 0
        _time.Advance(TimeSpan.FromSeconds(30));
        Succeed(sut);                           // bucket 5
        Assert.Equal(4, sut.Snapshot(Channel, Key).Calls);

        _time.Advance(TimeSpan.FromSeconds(30)); // bucket 10: bucket 0 has left the window
        Assert.Equal(1, sut.Snapshot(Channel, Key).Calls);
        Fail(sut, 3);                           // 4 calls: below the minimum throughput

        Assert.Equal(ChannelKeyState.Closed, sut.Snapshot(Channel, Key).State);
        Fail(sut);                              // 5 calls, 4 failures
        Assert.Equal(ChannelKeyState.Open, sut.Snapshot(Channel, Key).State);
    }

    [Fact]
    public void ReportFailure_OtherKeys_AreIndependent()
    {
        var sut = OpenBreaker();

        Assert.True(sut.TryAcquire(Channel, Key + 1));
        Assert.True(sut.TryAcquire(Channel + 1, Key));
        Assert.Equal(ChannelKeyState.Closed, sut.Snapshot(Channel, Key + 1).State);
    }

    [Fact]
    public void ReportFailure_Definitive_DisablesAtOnceWithReason()
    {
        var sut = CreateSut();

        sut.ReportFailure(Channel, Key, ChannelFailureKind.Definitive, "401 invalid_api_key");

        Assert.False(sut.TryAcquire(Channel, Key));
        Assert.True(sut.IsDisabled(Channel, Key));
        Assert.Equal("401 invalid_api_key", sut.DisabledReason(Channel, Key));
        Assert.Equal(new ChannelKeyHealth(ChannelKeyState.Disabled, 0, 0, null, "401 invalid_api_key", _time.GetUtcNow()), sut.Snapshot(Channel, Key));
        Assert.Equal([(new ChannelKeyId(Channel, Key), "401 invalid_api_key", _time.GetUtcNow())], _sink.Disabled);

        // A disabled key stays disabled: time passing, successes and further failures change nothing.
        _time.Advance(TimeSpan.FromHours(1));
        Succeed(sut);
        sut.ReportFailure(Channel, Key, ChannelFailureKind.Definitive, "402 billing");
        Assert.False(sut.TryAcquire(Channel, Key));
        Assert.Equal("401 invalid_api_key", sut.DisabledReason(Channel, Key));
        Assert.Single(_sink.Disabled);
    }

    [Fact]
    public void Enable_DisabledKey_ReenablesAndNotifiesSink()
    {
        var sut = CreateSut();
        sut.ReportFailure(Channel, Key, ChannelFailureKind.Definitive, "402 insufficient_quota");

        sut.Enable(Channel, Key);

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.False(sut.IsDisabled(Channel, Key));
        Assert.Null(sut.DisabledReason(Channel, Key));
        Assert.Equal(ChannelKeyHealth.Healthy, sut.Snapshot(Channel, Key));
        Assert.Equal([new ChannelKeyId(Channel, Key)], _sink.Enabled);
    }

    [Fact]
    public void Enable_OpenKey_ClosesWithoutNotifyingSink()
    {
        var sut = OpenBreaker();

        sut.Enable(Channel, Key);
        sut.Enable(Channel + 5, Key);

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.Empty(_sink.Enabled);
    }

    [Fact]
    public void ReportFailure_SinkThrows_StillDisables()
    {
        var sut = CreateSut(null, new ThrowingSink(), _sink);

        sut.ReportFailure(Channel, Key, ChannelFailureKind.Definitive, "401");
        sut.Enable(Channel, Key);

        Assert.Single(_sink.Disabled);
        Assert.Single(_sink.Enabled);
    }

    [Fact]
    public void Forget_Channel_DropsItsKeysOnly()
    {
        var sut = OpenBreaker();
        Fail(sut, 5, channel: Channel + 1);

        sut.Forget(Channel);

        Assert.True(sut.TryAcquire(Channel, Key));
        Assert.False(sut.TryAcquire(Channel + 1, Key));
    }

    [Fact]
    public void TryAcquireAndReport_KnownClosedKey_DoNotAllocate()
    {
        var sut = CreateSut();
        Succeed(sut);
        for (var i = 0; i < 100; i++)
        {
            sut.TryAcquire(Channel, Key);
            sut.ReportSuccess(Channel, Key);
            sut.ReportFailure(Channel, Key, ChannelFailureKind.Transient, "x");
            sut.ReportSuccess(Channel, Key);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            sut.TryAcquire(Channel, Key);
            sut.ReportSuccess(Channel, Key);
            sut.ReportFailure(Channel, Key, ChannelFailureKind.Transient, "x");
            sut.ReportSuccess(Channel, Key);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private sealed class RecordingSink : IChannelKeyStatusSink
    {
        public List<(ChannelKeyId Key, string Reason, DateTimeOffset At)> Disabled { get; } = [];

        public List<ChannelKeyId> Enabled { get; } = [];

        public void OnKeyDisabled(ChannelKeyId key, string reason, DateTimeOffset disabledAt) => Disabled.Add((key, reason, disabledAt));

        public void OnKeyEnabled(ChannelKeyId key) => Enabled.Add(key);
    }

    private sealed class ThrowingSink : IChannelKeyStatusSink
    {
        public void OnKeyDisabled(ChannelKeyId key, string reason, DateTimeOffset disabledAt) => throw new InvalidOperationException("database down");

        public void OnKeyEnabled(ChannelKeyId key) => throw new InvalidOperationException("database down");
    }
}

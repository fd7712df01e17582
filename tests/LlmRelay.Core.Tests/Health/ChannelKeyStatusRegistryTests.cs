using LlmRelay.Channels;
using LlmRelay.Configuration;
using LlmRelay.Health;
using LlmRelay.Management;
using LlmRelay.Selection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Health;

public sealed class ChannelKeyStatusRegistryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 4, 0, 0, TimeSpan.Zero));
    private readonly ChannelKeyStatusRegistry _registry = new();

    private ChannelHealthTracker CreateTracker() =>
        new(Options.Create(new LlmRelayOptions()), _time, [_registry], NullLogger<ChannelHealthTracker>.Instance);

    private static ChannelCatalog Catalog(params string[] keys) =>
        new([new RelayChannel { Id = 7, Name = "c", BaseUrl = "https://api.example.com", Keys = [.. keys], Models = ["gpt-4o"] }]);

    private void Sync(ChannelHealthTracker tracker, ChannelCatalog catalog)
    {
        _registry.Apply(catalog);
        tracker.Sync(catalog, _registry);
    }

    [Fact]
    public void DefinitiveFailure_IsRecordedByFingerprint_WithoutTheKey_AndQueuesAWrite()
    {
        _registry.Load([]);
        var tracker = CreateTracker();
        Sync(tracker, Catalog("sk-first-key-aaaaaaaa", "sk-second-key-bbbbbbbb"));

        tracker.ReportFailure(7, 1, ChannelFailureKind.Definitive, "401: Incorrect API key");

        var record = Assert.Single(_registry.RecordsOf(7));
        Assert.Equal(ChannelKeyStatusRegistry.Fingerprint("sk-second-key-bbbbbbbb"), record.Fingerprint);
        Assert.Equal(64, record.Fingerprint.Length);
        Assert.Equal("sk-seco...bbbb", record.KeyHint);
        Assert.Equal("401: Incorrect API key", record.Reason);
        Assert.Equal(_time.GetUtcNow(), record.DisabledAt);
        Assert.True(_registry.Pending.TryRead(out var channelId));
        Assert.Equal(7, channelId);
    }

    [Fact]
    public void Sync_FollowsADisabledKeyToItsNewPosition_AndReenablesTheKeyThatTookItsOldOne()
    {
        _registry.Load([]);
        var tracker = CreateTracker();
        Sync(tracker, Catalog("sk-first-key-aaaaaaaa", "sk-second-key-bbbbbbbb"));
        tracker.ReportFailure(7, 1, ChannelFailureKind.Definitive, "402: billing");

        // The administrator puts a new key first: the dead key moves to position 2.
        Sync(tracker, Catalog("sk-new-key-cccccccccc", "sk-first-key-aaaaaaaa", "sk-second-key-bbbbbbbb"));

        Assert.False(tracker.IsDisabled(7, 0));
        Assert.False(tracker.IsDisabled(7, 1));
        Assert.True(tracker.IsDisabled(7, 2));
        Assert.Equal("402: billing", tracker.DisabledReason(7, 2));
    }

    [Fact]
    public void Sync_RestoresStoredRecords_AndClearReenablesAtTheNextSync()
    {
        _registry.Load([new ChannelState
        {
            ChannelId = 7,
            AutoDisabledKeys = [new DisabledChannelKey { Fingerprint = ChannelKeyStatusRegistry.Fingerprint("sk-first-key-aaaaaaaa"), Reason = "401", DisabledAt = _time.GetUtcNow() }],
        }]);
        var tracker = CreateTracker();
        var catalog = Catalog("sk-first-key-aaaaaaaa");
        Sync(tracker, catalog);
        Assert.True(tracker.IsDisabled(7, 0));
        Assert.False(tracker.TryAcquire(7, 0));

        Assert.True(_registry.Clear(7, "sk-first-key-aaaaaaaa"));
        Sync(tracker, catalog);

        Assert.False(tracker.IsDisabled(7, 0));
        Assert.Empty(_registry.RecordsOf(7));
    }

    [Fact]
    public void Enable_ClearsTheRecord()
    {
        _registry.Load([]);
        var tracker = CreateTracker();
        Sync(tracker, Catalog("sk-first-key-aaaaaaaa"));
        tracker.ReportFailure(7, 0, ChannelFailureKind.Definitive, "401");
        Assert.Equal([(7L, 0)], _registry.DisabledKeys());

        tracker.Enable(7, 0);

        Assert.Empty(_registry.RecordsOf(7));
        Assert.Empty(_registry.DisabledKeys());
    }
}

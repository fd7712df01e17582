using System.Collections.Concurrent;
using LlmRelay.Configuration;
using LlmRelay.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Health;

/// <summary>Tracks the health of every upstream key of every channel: a sliding-window circuit breaker per key, and disabling on definitive failures.</summary>
/// <remarks>
/// <para>
/// Use: call <see cref="TryAcquire"/> before sending with a key and skip the key when it returns <see langword="false"/>;
/// report the outcome of every admitted call with <see cref="ReportSuccess"/> or <see cref="ReportFailure"/>
/// (use <see cref="ChannelFailureClassifier.Classify(int, string?, string?)"/> to pick the kind, and report nothing
/// when it returns <see langword="null"/>: the caller's mistakes are not the channel's).
/// </para>
/// <para>
/// Thread-safe. A key that has never been reported costs nothing; its state is created on its first report. After
/// that, admitting a closed key is a dictionary lookup and a volatile read, and a report takes the key's own small
/// lock; neither allocates. Options are read once, at construction.
/// </para>
/// </remarks>
internal sealed partial class ChannelHealthTracker
{
    private readonly ConcurrentDictionary<ChannelKeyId, ChannelKeyBreaker> _keys = new();
    private readonly TimeProvider _timeProvider;
    private readonly ChannelBreakerSettings _settings;
    private readonly IChannelKeyStatusSink[] _sinks;
    private readonly ILogger _logger;

    public ChannelHealthTracker(IOptions<LlmRelayOptions> options, TimeProvider timeProvider, IEnumerable<IChannelKeyStatusSink> sinks, ILogger<ChannelHealthTracker> logger)
    {
        _timeProvider = timeProvider;
        _settings = new ChannelBreakerSettings(options.Value.Health, timeProvider.TimestampFrequency);
        _sinks = [.. sinks];
        _logger = logger;
    }

    /// <summary>Returns whether a call may use the key: <see langword="true"/> when its breaker is closed, or when this caller claims the single half-open probe.</summary>
    public bool TryAcquire(long channelId, int keyIndex) =>
        !_keys.TryGetValue(new(channelId, keyIndex), out var breaker) || breaker.TryAcquire(_timeProvider.GetTimestamp());

    /// <summary>Records a successful call; a successful half-open probe closes the breaker.</summary>
    public void ReportSuccess(long channelId, int keyIndex)
    {
        var key = new ChannelKeyId(channelId, keyIndex);
        if (GetOrAdd(key).ReportSuccess(_timeProvider.GetTimestamp()) == ChannelKeyTransition.Closed)
        {
            LogBreakerClosed(_logger, channelId, keyIndex);
        }
    }

    /// <summary>Records a failed call: a transient failure counts towards the breaker; a definitive one disables the key at once.</summary>
    /// <param name="channelId">The channel id.</param>
    /// <param name="keyIndex">The index of the key in the channel's key list.</param>
    /// <param name="kind">The kind of failure, usually from <see cref="ChannelFailureClassifier"/>.</param>
    /// <param name="reason">A short description (the upstream status and message); kept as the disabled reason for definitive failures.</param>
    public void ReportFailure(long channelId, int keyIndex, ChannelFailureKind kind, string reason)
    {
        var key = new ChannelKeyId(channelId, keyIndex);
        var breaker = GetOrAdd(key);
        if (kind == ChannelFailureKind.Definitive)
        {
            var at = _timeProvider.GetUtcNow();
            if (breaker.Disable(reason, at) == ChannelKeyTransition.Disabled)
            {
                LogKeyDisabled(_logger, channelId, keyIndex, LogText.Escape(reason)!);
                foreach (var sink in _sinks)
                {
                    try
                    {
                        sink.OnKeyDisabled(key, reason, at);
                    }
#pragma warning disable CA1031 // A sink's failure must not fail the request that reported the key.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        LogSinkFailed(_logger, ex, channelId, keyIndex);
                    }
                }
            }

            return;
        }

        if (breaker.ReportTransientFailure(_timeProvider.GetTimestamp(), out var calls, out var failures) == ChannelKeyTransition.Opened)
        {
            LogBreakerOpened(_logger, channelId, keyIndex, _settings.BreakDuration, failures, calls, LogText.Escape(reason)!);
        }
    }

    /// <summary>Returns whether the key was disabled by a definitive failure.</summary>
    public bool IsDisabled(long channelId, int keyIndex) =>
        _keys.TryGetValue(new(channelId, keyIndex), out var breaker) && breaker.IsDisabled;

    /// <summary>Returns why the key was disabled, or <see langword="null"/> when it is not disabled.</summary>
    public string? DisabledReason(long channelId, int keyIndex) =>
        _keys.TryGetValue(new(channelId, keyIndex), out var breaker) ? breaker.DisabledReason : null;

    /// <summary>Enables a disabled key and closes its breaker with an empty window (after a passing test, or by an admin).</summary>
    public void Enable(long channelId, int keyIndex)
    {
        var key = new ChannelKeyId(channelId, keyIndex);
        if (!_keys.TryGetValue(key, out var breaker) || breaker.Enable() != ChannelKeyTransition.Enabled)
        {
            return;
        }

        LogKeyEnabled(_logger, channelId, keyIndex);
        foreach (var sink in _sinks)
        {
            try
            {
                sink.OnKeyEnabled(key);
            }
#pragma warning disable CA1031 // A sink's failure must not fail the caller.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogSinkFailed(_logger, ex, channelId, keyIndex);
            }
        }
    }

    /// <summary>Returns the key's current state and window counts.</summary>
    public ChannelKeyHealth Snapshot(long channelId, int keyIndex) =>
        _keys.TryGetValue(new(channelId, keyIndex), out var breaker)
            ? breaker.Snapshot(_timeProvider.GetTimestamp(), _timeProvider.GetUtcNow())
            : ChannelKeyHealth.Healthy;

    /// <summary>Makes the disabled keys match <paramref name="registry"/> for the keys of <paramref name="catalog"/>, and forgets channels and key positions that are gone.</summary>
    /// <remarks>
    /// Called after every catalog load: at start it restores the keys disabled before a restart; after an edit it follows
    /// keys to their new positions and re-enables keys whose record an administrator cleared. Sinks are not notified:
    /// the registry already holds the truth.
    /// </remarks>
    public void Sync(Selection.ChannelCatalog catalog, ChannelKeyStatusRegistry registry)
    {
        var keyCounts = new Dictionary<long, int>(catalog.Channels.Count);
        foreach (var channel in catalog.Channels)
        {
            keyCounts[channel.Id] = channel.KeyCount;
            for (var i = 0; i < channel.KeyCount; i++)
            {
                var key = new ChannelKeyId(channel.Id, i);
                if (registry.Find(channel.Id, i) is { } record)
                {
                    if (GetOrAdd(key).Disable(record.Reason, record.DisabledAt) == ChannelKeyTransition.Disabled)
                    {
                        LogKeyRestored(_logger, channel.Id, i, LogText.Escape(record.Reason)!);
                    }
                }
                else if (_keys.TryGetValue(key, out var breaker) && breaker.IsDisabled && breaker.Enable() == ChannelKeyTransition.Enabled)
                {
                    LogKeyEnabled(_logger, channel.Id, i);
                }
            }
        }

        foreach (var key in _keys.Keys)
        {
            if (!keyCounts.TryGetValue(key.ChannelId, out var count) || key.KeyIndex >= count)
            {
                _keys.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Forgets every key of a channel (after the channel was deleted or its key list changed).</summary>
    public void Forget(long channelId)
    {
        foreach (var key in _keys.Keys)
        {
            if (key.ChannelId == channelId)
            {
                _keys.TryRemove(key, out _);
            }
        }
    }

    private ChannelKeyBreaker GetOrAdd(ChannelKeyId key) =>
        _keys.GetOrAdd(key, static (_, settings) => new ChannelKeyBreaker(settings), _settings);
}

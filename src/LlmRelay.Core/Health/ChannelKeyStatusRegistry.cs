using System.Threading.Channels;
using LlmRelay.Management;
using LlmRelay.Selection;
using LlmRelay.Tokens;

namespace LlmRelay.Health;

/// <summary>The keys disabled by definitive failures, by channel and key fingerprint: what <see cref="ChannelHealthTracker"/> restores and the database keeps.</summary>
/// <remarks>
/// <para>
/// The in-memory view is what the relay reads: it is loaded from <see cref="ChannelState.AutoDisabledKeys"/> at the first
/// catalog load, and changed synchronously by the tracker (through <see cref="IChannelKeyStatusSink"/>) and by the management
/// API. Every change queues the channel's id; <see cref="ChannelKeyStatusWriter"/> writes the channel's records off the
/// request path and tells the other gateway instances, which <see cref="Reload"/> from the store (issue #18). A reload keeps
/// this instance's own changes that are not stored yet.
/// </para>
/// <para>
/// Keys are identified by the SHA-256 of their text, never stored in clear; <see cref="Apply"/> maps the current catalog's
/// key positions to fingerprints so that a record follows its key when the key list is edited. Thread-safe; nothing here
/// runs per request (only on a definitive failure, an enable, or a catalog reload). Registered by <c>AddLlmRelay()</c>:
/// resolve it from the service provider.
/// </para>
/// </remarks>
public sealed class ChannelKeyStatusRegistry : IChannelKeyStatusSink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Dictionary<string, DisabledChannelKey>> _disabled = [];
    private readonly Channel<long> _pending = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, long> _unsaved = [];
    private Dictionary<long, KeyIdentity[]> _identities = [];
    private long _changeSequence;

    internal ChannelKeyStatusRegistry()
    {
    }

    /// <summary>Gets a value indicating whether the stored records were loaded.</summary>
    internal bool IsLoaded { get; private set; }

    /// <summary>Gets the ids of channels whose records changed and must be written.</summary>
    internal ChannelReader<long> Pending => _pending.Reader;

    /// <summary>Returns the fingerprint that identifies <paramref name="key"/>.</summary>
    internal static string Fingerprint(string key) => ApiKeys.Hash(key.Trim());

    /// <summary>Loads the stored records; later calls do nothing.</summary>
    internal void Load(IEnumerable<ChannelState> states)
    {
        lock (_lock)
        {
            if (IsLoaded)
            {
                return;
            }

            foreach (var state in states)
            {
                foreach (var record in state.AutoDisabledKeys)
                {
                    Records(state.ChannelId)[record.Fingerprint] = record;
                }
            }

            IsLoaded = true;
        }
    }

    /// <summary>Replaces the records with the stored ones (after another instance changed them), except those of channels whose local changes are not stored yet.</summary>
    internal void Reload(IEnumerable<ChannelState> states)
    {
        var stored = new Dictionary<long, Dictionary<string, DisabledChannelKey>>();
        foreach (var state in states)
        {
            if (state.AutoDisabledKeys.Count > 0)
            {
                stored[state.ChannelId] = state.AutoDisabledKeys.ToDictionary(static r => r.Fingerprint, StringComparer.Ordinal);
            }
        }

        lock (_lock)
        {
            foreach (var channelId in _disabled.Keys.Where(id => !_unsaved.ContainsKey(id) && !stored.ContainsKey(id)).ToList())
            {
                _disabled.Remove(channelId);
            }

            foreach (var (channelId, records) in stored)
            {
                if (!_unsaved.ContainsKey(channelId))
                {
                    _disabled[channelId] = records;
                }
            }

            IsLoaded = true;
        }
    }

    /// <summary>Returns a copy of a channel's records to store, and the change they include (for <see cref="MarkSaved"/>).</summary>
    internal (List<DisabledChannelKey> Records, long Change) ToSave(long channelId)
    {
        lock (_lock)
        {
            return (RecordsOfLocked(channelId), _unsaved.GetValueOrDefault(channelId));
        }
    }

    /// <summary>Notes that a channel's records, as of <paramref name="change"/>, are stored: a reload may replace them again unless they changed since.</summary>
    internal void MarkSaved(long channelId, long change)
    {
        lock (_lock)
        {
            if (_unsaved.TryGetValue(channelId, out var latest) && latest == change)
            {
                _unsaved.Remove(channelId);
            }
        }
    }

    /// <summary>Maps the key positions of <paramref name="catalog"/> to fingerprints, and forgets the records of channels that no longer exist.</summary>
    internal void Apply(ChannelCatalog catalog)
    {
        var identities = new Dictionary<long, KeyIdentity[]>(catalog.Channels.Count);
        foreach (var channel in catalog.Channels)
        {
            var keys = new KeyIdentity[channel.KeyCount];
            for (var i = 0; i < keys.Length; i++)
            {
                var key = channel.KeyAt(i);
                keys[i] = new KeyIdentity(Fingerprint(key), ApiKeys.Mask(key));
            }

            identities[channel.Id] = keys;
        }

        lock (_lock)
        {
            _identities = identities;
            foreach (var channelId in _disabled.Keys.Where(id => !identities.ContainsKey(id)).ToList())
            {
                _disabled.Remove(channelId);
            }
        }
    }

    /// <summary>Finds the record of the key at <paramref name="keyIndex"/> of the current catalog's channel.</summary>
    internal DisabledChannelKey? Find(long channelId, int keyIndex)
    {
        lock (_lock)
        {
            return _identities.TryGetValue(channelId, out var keys) && (uint)keyIndex < (uint)keys.Length
                && _disabled.TryGetValue(channelId, out var records) && records.TryGetValue(keys[keyIndex].Fingerprint, out var record)
                ? record
                : null;
        }
    }

    /// <summary>Finds the record of <paramref name="key"/> in a channel.</summary>
    /// <param name="channelId">The channel.</param>
    /// <param name="key">The key's text.</param>
    /// <returns>The record, or <see langword="null"/> when the relay has not disabled the key.</returns>
    public DisabledChannelKey? Find(long channelId, string key)
    {
        lock (_lock)
        {
            return _disabled.TryGetValue(channelId, out var records) && records.TryGetValue(Fingerprint(key), out var record) ? record : null;
        }
    }

    /// <summary>Returns a copy of a channel's records.</summary>
    internal List<DisabledChannelKey> RecordsOf(long channelId)
    {
        lock (_lock)
        {
            return RecordsOfLocked(channelId);
        }
    }

    private List<DisabledChannelKey> RecordsOfLocked(long channelId) =>
        _disabled.TryGetValue(channelId, out var records) ? [.. records.Values.OrderBy(static r => r.DisabledAt)] : [];

    /// <summary>Returns the channels that have disabled keys, with the positions of those keys in the current catalog.</summary>
    internal List<(long ChannelId, int KeyIndex)> DisabledKeys()
    {
        var result = new List<(long, int)>();
        lock (_lock)
        {
            foreach (var (channelId, records) in _disabled)
            {
                if (_identities.TryGetValue(channelId, out var keys))
                {
                    for (var i = 0; i < keys.Length; i++)
                    {
                        if (records.ContainsKey(keys[i].Fingerprint))
                        {
                            result.Add((channelId, i));
                        }
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Removes the record of one key (<paramref name="key"/> given), or of every key of the channel; the tracker follows at the next catalog reload.</summary>
    /// <param name="channelId">The channel.</param>
    /// <param name="key">The key's text, or <see langword="null"/> for every key of the channel.</param>
    /// <returns><see langword="true"/> when a record was removed.</returns>
    public bool Clear(long channelId, string? key = null)
    {
        bool removed;
        lock (_lock)
        {
            removed = _disabled.TryGetValue(channelId, out var records)
                && (key is null ? records.Count > 0 && _disabled.Remove(channelId) : records.Remove(Fingerprint(key)));
            if (removed)
            {
                Changed(channelId);
            }
        }

        return removed;
    }

    /// <inheritdoc/>
    void IChannelKeyStatusSink.OnKeyDisabled(ChannelKeyId key, string reason, DateTimeOffset disabledAt) => OnKeyDisabled(key, reason, disabledAt);

    /// <inheritdoc cref="IChannelKeyStatusSink.OnKeyDisabled"/>
    internal void OnKeyDisabled(ChannelKeyId key, string reason, DateTimeOffset disabledAt)
    {
        lock (_lock)
        {
            if (!_identities.TryGetValue(key.ChannelId, out var keys) || (uint)key.KeyIndex >= (uint)keys.Length)
            {
                return;
            }

            var identity = keys[key.KeyIndex];
            Records(key.ChannelId)[identity.Fingerprint] = new DisabledChannelKey
            {
                Fingerprint = identity.Fingerprint,
                KeyHint = identity.Hint,
                Reason = reason.Length > 500 ? reason[..500] : reason,
                DisabledAt = disabledAt,
            };
            Changed(key.ChannelId);
        }
    }

    /// <inheritdoc/>
    void IChannelKeyStatusSink.OnKeyEnabled(ChannelKeyId key) => OnKeyEnabled(key);

    /// <inheritdoc cref="IChannelKeyStatusSink.OnKeyEnabled"/>
    internal void OnKeyEnabled(ChannelKeyId key)
    {
        bool removed;
        lock (_lock)
        {
            removed = _identities.TryGetValue(key.ChannelId, out var keys) && (uint)key.KeyIndex < (uint)keys.Length
                && _disabled.TryGetValue(key.ChannelId, out var records) && records.Remove(keys[key.KeyIndex].Fingerprint);
            if (removed)
            {
                Changed(key.ChannelId);
            }
        }
    }

    /// <summary>Marks a channel's records as not stored yet and queues them for <see cref="ChannelKeyStatusWriter"/>; called under the lock.</summary>
    private void Changed(long channelId)
    {
        _unsaved[channelId] = ++_changeSequence;
        _pending.Writer.TryWrite(channelId);
    }

    private Dictionary<string, DisabledChannelKey> Records(long channelId)
    {
        if (!_disabled.TryGetValue(channelId, out var records))
        {
            _disabled[channelId] = records = new Dictionary<string, DisabledChannelKey>(StringComparer.Ordinal);
        }

        return records;
    }

    private readonly record struct KeyIdentity(string Fingerprint, string Hint);
}
